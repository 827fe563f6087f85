import * as z from 'zod';
import { ANSWERS, Ca, Certificate, Job, Links, nullable, timestamp, uuid } from './answers.js';

/** The answers of the login CA and enrollment routes (lib/enroll/views.ts takes its types from these). */

/** A Keystone user as Keystone named it when the enrollment was made. */
export const KeystoneUser = z
  .strictObject({ id: z.string().describe('the Keystone user id (the certificate’s UID)'), name: z.string().describe('the user name (the certificate’s CN)') })
  .register(ANSWERS, { id: 'KeystoneUser', description: 'A Keystone user, as Keystone answered for it when the enrollment was made.' });

export const LoginCa = Ca.omit({ parent_ca_id: true, external: true, path_len: true, name_constraints: true, links: true })
  .extend({
    user_certificates: z
      .strictObject({ default_ttl: nullable(z.int()), max_ttl: nullable(z.int()) })
      .describe('the lifetimes (seconds) of the user certificates it issues: `default_ttl` unless an enrollment asks for a `ttl`, never more than `max_ttl`'),
    links: Links.describe('`self`, `keystone`, `enrollments`, `certificates`, and the public `ocsp` and `crl`'),
  })
  .register(ANSWERS, {
    id: 'LoginCa',
    description: 'A login CA: a root of the cloud operator’s (project `system`) that Keystone trusts, through a federation mapping, to log users in; it issues only Keystone user certificates (CN = user name, UID = user id, clientAuth), through enrollments.',
  });

export const Enrollment = z
  .strictObject({
    id: uuid,
    login_ca_id: uuid,
    kind: z.enum(['otp', 'machine', 'renewal']).describe('`otp`: made by an admin or the user; `machine`: asked for by a machine that holds a certificate, for another machine of the same user (approved by a machine of that user); `renewal`: a holder’s renewal'),
    status: z
      .enum(['pending', 'awaiting_approval', 'expired', 'locked', 'issuing', 'issued', 'failed', 'revoked'])
      .describe('`pending`: the one-time password may be redeemed; `awaiting_approval`: a machine enrollment redeemed, waiting for the approving JWS; `expired`: not redeemed (or approved) in time; `locked`: five wrong passwords; then what became of the certificate: `issuing`, `issued`, `failed`, `revoked`'),
    user: KeystoneUser,
    expires_at: timestamp.describe('until when the one-time password may be redeemed; once a machine enrollment is redeemed, until when it may be approved'),
    failed_attempts: z.int().describe('wrong one-time passwords so far (the fifth locks it)'),
    csr_sha256: nullable(z.string()).describe('once redeemed: base64url SHA-256 of the CSR’s DER, what the approving machine compares and signs'),
    certificate_id: nullable(uuid),
    certificate: nullable(z.string()).describe('PEM, once issued'),
    chain: nullable(z.string()).describe('the login CA’s certificate, PEM, once issued'),
    serial: nullable(z.string()),
    not_after: nullable(timestamp),
    failure_reason: nullable(z.string()).describe('why the certificate failed: "CODE: message"'),
    renews: nullable(uuid).describe('`renewal`: the certificate it renews'),
    created_at: timestamp,
    updated_at: timestamp,
    links: Links.describe('`self`, `redeem`, and `approve` for a machine enrollment'),
  })
  .register(ANSWERS, { id: 'Enrollment', description: 'An enrollment of a Keystone user certificate; never its one-time password (only its hash is kept).' });

export const UserCertificate = z
  .strictObject({
    id: uuid,
    login_ca_id: uuid,
    status: Certificate.shape.status,
    user: nullable(KeystoneUser),
    enrollment_id: nullable(uuid),
    serial: nullable(z.string()),
    not_before: nullable(timestamp),
    not_after: nullable(timestamp),
    certificate: nullable(z.string()).describe('PEM, once issued'),
    revoked_at: nullable(timestamp),
    revocation_reason: Certificate.shape.revocation_reason,
    renewed_from: nullable(uuid).describe('the certificate it renews'),
    created_at: timestamp,
  })
  .register(ANSWERS, { id: 'UserCertificate', description: 'A Keystone user certificate of a login CA (one per machine of the user).' });

const KeystoneMappingRule = z.strictObject({
  local: z.array(z.strictObject({ user: z.strictObject({ id: z.string(), type: z.enum(['local', 'ephemeral']) }) })),
  remote: z.array(z.strictObject({ type: z.string(), any_one_of: z.array(z.string()).optional() })),
});

export const KeystoneFederation = z
  .strictObject({
    remote_id: z.string().describe('the login CA’s subject as mod_ssl writes `SSL_CLIENT_I_DN` (RFC 2253)'),
    identity_provider_id: z.string(),
    identity_provider: z.strictObject({ remote_ids: z.array(z.string()), domain_id: z.string(), enabled: z.boolean(), description: z.string() }).describe('the body of PUT /v3/OS-FEDERATION/identity_providers/{identity_provider_id}'),
    mapping_id: z.string(),
    mapping: z.strictObject({ rules: z.array(KeystoneMappingRule) }).describe('the body of PUT /v3/OS-FEDERATION/mappings/{mapping_id}: the existing local user named by the certificate’s UID, for a verified client certificate only'),
    protocol_id: z.literal('x509').describe('Keystone’s auth method is the protocol id: `[auth] methods` must list `x509`'),
    protocol: z.strictObject({ mapping_id: z.string(), remote_id_attribute: z.literal('SSL_CLIENT_I_DN') }).describe('the body of PUT …/identity_providers/{identity_provider_id}/protocols/x509'),
    requests: z
      .array(z.strictObject({ method: z.literal('PUT'), path: z.string(), body: z.enum(['identity_provider', 'mapping', 'protocol']).describe('which field of this answer is the body') }))
      .describe('the Keystone calls to make, in this order'),
    auth_url_path: z.string().describe('where a client with a user certificate asks Keystone for a token'),
    ocsp_url: z.string().describe('this service’s OCSP responder for the login CA'),
    apache: z.array(z.string()).describe('the mod_ssl lines of Keystone’s virtual host'),
  })
  .register(ANSWERS, { id: 'KeystoneFederation', description: 'What an operator creates in Keystone so that a login CA’s certificates log users in (federation behind Apache mod_ssl).' });

export const enrollWrapped = {
  loginCa: z.strictObject({ login_ca: LoginCa }),
  loginCaAndJob: z.strictObject({ login_ca: LoginCa, job: Job }),
  loginCas: z.strictObject({ login_cas: z.array(LoginCa), login_cas_links: Links }),
  keystoneFederation: z.strictObject({ keystone: KeystoneFederation }),
  enrollment: z.strictObject({ enrollment: Enrollment }),
  newEnrollment: z.strictObject({
    enrollment: Enrollment,
    one_time_password: z.string().describe('shown in this answer only (only its hash is kept): 160 random bits in Crockford base32, groups of four; case, dashes and spaces do not matter'),
  }),
  enrollments: z.strictObject({ enrollments: z.array(Enrollment), enrollments_links: Links }),
  userCertificate: z.strictObject({ certificate: UserCertificate }),
  userCertificates: z.strictObject({ certificates: z.array(UserCertificate), certificates_links: Links }),
  revokedUserCertificates: z.strictObject({
    certificates: z.array(UserCertificate).describe('the certificates this call revoked (those revoked before are not listed)'),
    locked_enrollments: z.number().int().describe('the user’s pending enrollments (one-time passwords not yet used, machines awaiting approval) locked by this call'),
  }),
};

const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
for (const [name, schema] of Object.entries(enrollWrapped) as Array<[string, z.ZodType]>) ANSWERS.add(schema, { id: `${pascal(name)}Answer` });

export type LoginCaAnswer = z.infer<typeof LoginCa>;
export type EnrollmentAnswer = z.infer<typeof Enrollment>;
export type UserCertificateAnswer = z.infer<typeof UserCertificate>;
export type KeystoneFederationAnswer = z.infer<typeof KeystoneFederation>;
