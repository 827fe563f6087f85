import type { Driver } from '../drivers/index.js';
import { assembleCrl, buildBasicOcspResponse, buildTbsCrl, certIdFor, signatureAlgorithmFor, type OcspCertStatus, type RevokedEntry } from '../x509/index.js';
import type { Issuer } from './types.js';
export { revocationUrls } from './urls.js';

export interface CrlPlan {
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
  revoked: RevokedEntry[];
  issuingDistributionPointUri?: string;
}

/** A CRL signed by the CA's key (through the driver, like its certificates). */
export async function signCrl(plan: CrlPlan, issuer: Issuer, driver: Pick<Driver, 'sign'>): Promise<Buffer> {
  const algorithm = signatureAlgorithmFor(issuer.keyType);
  const tbs = buildTbsCrl({ signatureAlgorithm: algorithm, issuerDer: issuer.nameDer, authorityKeyId: issuer.subjectKeyId, ...plan });
  return assembleCrl(tbs, algorithm, await driver.sign(tbs, algorithm, issuer.key));
}

/** One pre-signed OCSP answer (RFC 6960 BasicOCSPResponse), the CA itself responding. */
export async function signOcsp(
  issuer: Issuer & { certificate: NonNullable<Issuer['certificate']> },
  serialHex: string,
  status: OcspCertStatus,
  at: Date,
  nextUpdate: Date,
  driver: Pick<Driver, 'sign'>,
  /** The CertID's hash: a client can match only an answer whose CertID is hashed as it asked. */
  certIdHash: 'sha1' | 'sha256' = 'sha1',
): Promise<Buffer> {
  const algorithm = signatureAlgorithmFor(issuer.keyType);
  return buildBasicOcspResponse({
    responderKeyHash: issuer.subjectKeyId,
    producedAt: at,
    responses: [{ certId: certIdFor(issuer.certificate.raw, serialHex, certIdHash), status, thisUpdate: at, nextUpdate }],
    signatureAlgorithm: algorithm,
    sign: (tbs) => driver.sign(tbs, algorithm, issuer.key),
    // The CA answers itself, and says who it is: OpenSSL's OCSP_basic_verify looks for the signer
    // only among the response's certificates and those the client passes, so mod_ssl (which passes
    // none) refuses an answer without it ("signer certificate not found").
    certs: [issuer.certificate.raw],
  });
}
