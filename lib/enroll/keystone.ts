import type { CaRecord } from '../store/index.js';
import { nameToRfc2253, pemToDer, readCertificate } from '../x509/index.js';

/**
 * What an operator creates in Keystone so that a login CA's certificates log users in, through
 * federation behind Apache mod_ssl: an identity provider whose remote_id is the CA's subject as
 * mod_ssl writes SSL_CLIENT_I_DN (RFC 2253), a mapping to the existing local user named by the
 * certificate's UID (only for a verified client certificate), and the `x509` protocol. Keystone's
 * x509 auth method is the protocol id, so it must be `x509` and `[auth] methods` must list it.
 */

export const X509_PROTOCOL_ID = 'x509';

export const identityProviderId = (caId: string) => `login-ca-${caId}`;
export const mappingId = (caId: string) => `login-ca-${caId}-users`;

export const USER_MAPPING_RULES = [
  {
    local: [{ user: { id: '{0}', type: 'local' } }],
    remote: [{ type: 'SSL_CLIENT_VERIFY', any_one_of: ['SUCCESS'] }, { type: 'SSL_CLIENT_S_DN_UID' }],
  },
];

/** The login CA's subject exactly as mod_ssl writes the issuer of its certificates. */
export const issuerDnOf = (ca: Pick<CaRecord, 'certificatePem'>) => nameToRfc2253(readCertificate(pemToDer(ca.certificatePem!, 'CERTIFICATE')).subjectDer);

export function federationObjects(ca: CaRecord, ocspUrl: string, domainId = 'default') {
  const remoteId = issuerDnOf(ca);
  const idp = identityProviderId(ca.id);
  const mapping = mappingId(ca.id);
  return {
    remote_id: remoteId,
    identity_provider_id: idp,
    identity_provider: { remote_ids: [remoteId], domain_id: domainId, enabled: true, description: `Users of login CA ${ca.name} (${ca.id})` },
    mapping_id: mapping,
    mapping: { rules: USER_MAPPING_RULES },
    protocol_id: X509_PROTOCOL_ID,
    protocol: { mapping_id: mapping, remote_id_attribute: 'SSL_CLIENT_I_DN' },
    /** In this order: PUT the identity provider, the mapping, then the protocol. */
    requests: [
      { method: 'PUT', path: `/v3/OS-FEDERATION/identity_providers/${idp}`, body: 'identity_provider' },
      { method: 'PUT', path: `/v3/OS-FEDERATION/mappings/${mapping}`, body: 'mapping' },
      { method: 'PUT', path: `/v3/OS-FEDERATION/identity_providers/${idp}/protocols/${X509_PROTOCOL_ID}`, body: 'protocol' },
    ],
    auth_url_path: `/v3/OS-FEDERATION/identity_providers/${idp}/protocols/${X509_PROTOCOL_ID}/auth`,
    ocsp_url: ocspUrl,
    /**
     * The mod_ssl lines of Keystone's vhost: only login CAs trusted, revocation by this service's
     * OCSP responder, named in every certificate it issues (so a revocation counts at the next
     * handshake, without reloading Apache, for any number of login CAs).
     */
    apache: [
      'SSLCACertificateFile /etc/keystone/login-cas.pem',
      'SSLVerifyClient optional',
      'SSLVerifyDepth 1',
      'SSLOptions +StdEnvVars',
      'SSLCARevocationCheck none',
      'SSLOCSPEnable leaf',
      'SSLOCSPResponderTimeout 3',
      // The answers are pre-signed (RFC 5019): no nonce to echo, which mod_ssl requires by default.
      'SSLOCSPUseRequestNonce off',
    ],
  };
}
