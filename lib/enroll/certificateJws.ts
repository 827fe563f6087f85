import { X509Certificate, verify as verifySignature, type KeyObject } from 'node:crypto';
import { AppError, badRequest, unauthorized } from '../errors/index.js';
import { decodeName, normaliseSerialHex, OID, readCertificate } from '../x509/index.js';

/**
 * Requests signed by the key of a Keystone user certificate, without mTLS (awkward on API Gateway
 * and locally): a compact JWS whose `x5c` carries the certificate (RFC 7515 4.1.6). It proves the
 * caller holds the key of a certificate this login CA issued, to a user, for client authentication,
 * valid now, for this purpose, recently. Pure: revocation and replay are the caller's to check.
 */

export type CertificateJwsPurpose = 'enroll-machine' | 'enroll-approval' | 'renew';

/** `typ` and `aud` name the purpose, so that a JWS made for one step is never accepted by another. */
export const JWS_TYPES: Record<CertificateJwsPurpose, string> = {
  'enroll-machine': 'enroll-machine+jwt',
  'enroll-approval': 'enroll-approval+jwt',
  renew: 'renew+jwt',
};
export const jwsAudience = (purpose: CertificateJwsPurpose) => `openstack-ca:${purpose}`;

/** The longest a signed request may live (exp − iat), and the clock skew allowed on iat. */
export const MAX_JWS_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 60;

/** Asymmetric algorithms only: `none` and the HMACs prove nothing about a certificate's key. */
const ALGORITHMS: Record<string, { hash: string | null; keyType: string; curve?: string; p1363?: boolean; pss?: boolean }> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1', p1363: true },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1', p1363: true },
  RS256: { hash: 'sha256', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: true },
  EdDSA: { hash: null, keyType: 'ed25519' },
};

export interface VerifiedCertificateJws {
  /** Lower-case hex without leading zeros, as the store keeps serials. */
  serial: string;
  userId: string;
  userName: string;
  notAfter: Date;
  claims: Record<string, unknown>;
}

const refuse = (code: string, message: string) => unauthorized(code, message);

function decodePart(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('JWS_MALFORMED', `The JWS ${what} is not base64url JSON.`, { field: 'jws' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('JWS_MALFORMED', `The JWS ${what} is not a JSON object.`, { field: 'jws' });
  return value as Record<string, unknown>;
}

function signatureValid(alg: string, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  const a = ALGORITHMS[alg];
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType !== a.keyType || (a.curve && details?.namedCurve !== a.curve)) return false;
  try {
    return verifySignature(a.hash, input, { key, ...(a.p1363 ? { dsaEncoding: 'ieee-p1363' as const } : {}), ...(a.pss ? { padding: 6, saltLength: 32 } : {}) }, signature);
  } catch {
    return false;
  }
}

/** The certificate's key signed it, the login CA signed the certificate: every refusal a typed 401 (400 if malformed). */
export function verifyCertificateJws(jws: string, purpose: CertificateJwsPurpose, caCertificatePems: readonly string[], now: Date): VerifiedCertificateJws {
  if (typeof jws !== 'string' || jws.length > 20000) throw badRequest('JWS_MALFORMED', 'Send the signed request as a compact JWS (header.payload.signature).', { field: 'jws' });
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw badRequest('JWS_MALFORMED', 'Send the signed request as a compact JWS (three base64url parts).', { field: 'jws' });
  const [h, p, s] = parts;
  const header = decodePart(h, 'header');
  const claims = decodePart(p, 'payload');
  const alg = header.alg;
  if (typeof alg !== 'string' || !Object.hasOwn(ALGORITHMS, alg)) {
    throw refuse('JWS_ALGORITHM_REFUSED', `JWS algorithm ${JSON.stringify(alg)} is not accepted; sign with the certificate's key (ES256, ES384, RS256, PS256 or EdDSA).`);
  }
  if (header.typ !== JWS_TYPES[purpose]) throw refuse('JWS_CLAIMS_INVALID', `The JWS header "typ" must be "${JWS_TYPES[purpose]}" for this request.`);
  if (header.crit !== undefined) throw refuse('JWS_CLAIMS_INVALID', 'The JWS header has "crit" parameters this service does not understand.');
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length < 1 || x5c.length > 3 || !x5c.every((c) => typeof c === 'string')) {
    throw badRequest('JWS_MALFORMED', 'The JWS header needs "x5c": your certificate (base64 DER) first.', { field: 'jws' });
  }

  let cert: ReturnType<typeof readCertificate>;
  try {
    cert = readCertificate(Buffer.from(x5c[0], 'base64'));
  } catch {
    throw badRequest('JWS_MALFORMED', 'The first "x5c" entry is not a certificate (base64 DER).', { field: 'jws' });
  }
  // Issued by the login CA: its signature, not only its issuer name (a same-DN forgery has another key).
  const issuedBy = caCertificatePems.some((pem) => {
    const ca = new X509Certificate(pem);
    return cert.x509.checkIssued(ca) && cert.x509.verify(ca.publicKey);
  });
  if (!issuedBy) throw refuse('JWS_CERTIFICATE_UNTRUSTED', 'The certificate in "x5c" was not issued by this login CA.');
  if (now < cert.notBefore || now > cert.notAfter) {
    throw refuse('JWS_CERTIFICATE_NOT_VALID', `The certificate in "x5c" is valid from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}, not now; enroll again.`);
  }
  const eku = cert.x509.keyUsage ?? [];
  if (!eku.includes(OID.clientAuth)) throw refuse('JWS_CERTIFICATE_NOT_CLIENT_AUTH', 'The certificate in "x5c" is not for client authentication (no clientAuth extended key usage).');
  const subject = decodeName(cert.subjectDer);
  const userId = subject.find((a) => a.type === 'UID')?.value;
  const userName = subject.find((a) => a.type === 'CN')?.value;
  if (!userId || !userName) throw refuse('JWS_CERTIFICATE_UNTRUSTED', 'The certificate in "x5c" names no Keystone user (UID).');

  if (!signatureValid(alg, cert.x509.publicKey, Buffer.from(`${h}.${p}`), Buffer.from(s, 'base64url'))) {
    throw refuse('JWS_SIGNATURE_INVALID', `The JWS signature does not verify with the key of the certificate in "x5c" (${alg}).`);
  }

  if (claims.aud !== jwsAudience(purpose)) throw refuse('JWS_CLAIMS_INVALID', `The JWS "aud" must be "${jwsAudience(purpose)}".`);
  const { iat, exp, jti } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) throw refuse('JWS_CLAIMS_INVALID', 'The JWS needs numeric "iat" and "exp" (seconds since the epoch).');
  if (typeof jti !== 'string' || jti.length < 8 || jti.length > 128) throw refuse('JWS_CLAIMS_INVALID', 'The JWS needs a "jti" of 8 to 128 characters, new for every request.');
  const nowS = now.getTime() / 1000;
  if (exp <= nowS) throw refuse('JWS_EXPIRED', 'The JWS has expired ("exp"); sign a new one.');
  if (iat > nowS + CLOCK_SKEW_SECONDS || exp - iat > MAX_JWS_LIFETIME_SECONDS || exp < iat) {
    throw refuse('JWS_CLAIMS_INVALID', `The JWS must be signed now and live at most ${MAX_JWS_LIFETIME_SECONDS} s ("exp" − "iat").`);
  }
  return { serial: normaliseSerialHex(cert.x509.serialNumber), userId, userName, notAfter: cert.notAfter, claims };
}

/** A verified JWS's claim, or a 401 naming it. */
export function claimString(v: VerifiedCertificateJws, name: string, max = 200): string {
  const value = v.claims[name];
  if (typeof value !== 'string' || !value || value.length > max) throw new AppError('JWS_CLAIMS_INVALID', 401, `The JWS needs a "${name}" claim (a string).`);
  return value;
}
