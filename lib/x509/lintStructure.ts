/**
 * Lint of a certificate's outer structure: version, serial, signature algorithms, validity and
 * the subject public key.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { err, warn, type LintFinding, type LintKind } from './lintFinding.js';
import type { Parsed } from './certificateReader.js';
import { OID } from './oids.js';

/** Object identifiers only these checks need (the shared ones are in oids.ts). */
const X = {
  md5WithRSA: '1.2.840.113549.1.1.4',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  dsaWithSHA1: '1.2.840.10040.4.3',
} as const;

export type KeyFamily = 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'other';

/** The signature algorithms we recognise: the digest to verify with and the key family that must have signed. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null; key: KeyFamily; nullParams: boolean }> = {
  [OID.sha256WithRSA]: { name: 'sha256WithRSAEncryption', hash: 'sha256', key: 'rsa', nullParams: true },
  [OID.sha384WithRSA]: { name: 'sha384WithRSAEncryption', hash: 'sha384', key: 'rsa', nullParams: true },
  [OID.sha512WithRSA]: { name: 'sha512WithRSAEncryption', hash: 'sha512', key: 'rsa', nullParams: true },
  [OID.ecdsaWithSHA256]: { name: 'ecdsa-with-SHA256', hash: 'sha256', key: 'ec', nullParams: false },
  [OID.ecdsaWithSHA384]: { name: 'ecdsa-with-SHA384', hash: 'sha384', key: 'ec', nullParams: false },
  [OID.ecdsaWithSHA512]: { name: 'ecdsa-with-SHA512', hash: 'sha512', key: 'ec', nullParams: false },
  [OID.ed25519]: { name: 'Ed25519', hash: null, key: 'ed25519', nullParams: false },
};

/** SHA-1 and MD5 signatures are forgeable by collision (BR 7.1.3.2 forbids them). */
const WEAK_SIGNATURE_ALGORITHMS = new Set<string>([X.md5WithRSA, X.sha1WithRSA, X.ecdsaWithSHA1, X.dsaWithSHA1]);

/** BR 6.3.2: a day is 86,400 seconds and the period includes both notBefore and notAfter. */
const MAX_LEAF_VALIDITY_SECONDS = 398 * 86_400;

export function keyFamily(key: KeyObject): KeyFamily {
  const t = key.asymmetricKeyType;
  return t === 'rsa' || t === 'ec' || t === 'ed25519' || t === 'ed448' ? t : 'other';
}

/** The version, the serial number and the signature algorithms (RFC 5280 4.1.1.2, 4.1.2.1 to 4.1.2.3). */
export function lintVersionSerialAlgorithm(c: Parsed, out: LintFinding[]): void {
  if (c.version !== 2) out.push(err('E_VERSION_NOT_V3', `The certificate is not version 3 (version field ${c.version === undefined ? 'malformed' : c.version}); extensions need v3 (RFC 5280 4.1.2.1).`));

  const s = c.serial;
  if (!s.length) out.push(err('E_SERIAL_NOT_POSITIVE', 'The serial number is an empty INTEGER.'));
  else {
    if (s[0] & 0x80 || s.every((b) => b === 0)) out.push(err('E_SERIAL_NOT_POSITIVE', `The serial number (${s.toString('hex')}) is zero or negative; it must be positive (RFC 5280 4.1.2.2).`));
    if (s.length > 1 && ((s[0] === 0 && !(s[1] & 0x80)) || (s[0] === 0xff && s[1] & 0x80))) out.push(err('E_SERIAL_NOT_MINIMAL', 'The serial number INTEGER has a redundant leading byte (not DER).'));
    if (s.length > 20) out.push(err('E_SERIAL_TOO_LONG', `The serial number has ${s.length} octets; at most 20 are allowed (RFC 5280 4.1.2.2).`));
    // BR 7.1: at least 64 bits from a CSPRNG. Fewer than 8 magnitude octets cannot hold them.
    const magnitude = s[0] === 0 ? s.length - 1 : s.length;
    if (magnitude < 8) out.push(warn('W_SERIAL_LOW_ENTROPY', `The serial number has ${magnitude} octets; at least 64 random bits are recommended (BR 7.1).`));
  }

  if (!c.tbsAlgorithm.equals(c.outerAlgorithm)) out.push(err('E_SIGNATURE_ALGORITHM_MISMATCH', 'The signature algorithm inside the TBSCertificate differs from the outer one (RFC 5280 4.1.1.2).'));
  const alg = SIGNATURE_ALGORITHMS[c.algorithmOid];
  if (WEAK_SIGNATURE_ALGORITHMS.has(c.algorithmOid)) out.push(err('E_SIGNATURE_ALGORITHM_WEAK', `The signature algorithm ${c.algorithmOid} uses MD5 or SHA-1 (BR 7.1.3.2).`));
  else if (!alg) out.push(warn('W_SIGNATURE_ALGORITHM_UNKNOWN', `The signature algorithm ${c.algorithmOid} is not one this linter knows.`));
  else {
    // RFC 4055: RSA takes explicit NULL parameters; RFC 5758 and 8410: ECDSA and EdDSA take none.
    const paramsOk = alg.nullParams ? c.algorithmParams.length === 1 && c.algorithmParams[0].equals(Buffer.from([0x05, 0x00])) : c.algorithmParams.length === 0;
    if (!paramsOk) out.push(err('E_SIGNATURE_ALGORITHM_PARAMETERS', `The ${alg.name} AlgorithmIdentifier must ${alg.nullParams ? 'have NULL parameters' : 'have no parameters'}.`));
  }
}

/** The validity's encoding, its length for leaves, and expiry at `now` (RFC 5280 4.1.2.5, BR 6.3.2). */
export function lintValidity(c: Parsed, kind: LintKind, now: Date, out: LintFinding[]): void {
  for (const [field, t] of [['notBefore', c.notBefore], ['notAfter', c.notAfter]] as const) {
    if (!t.date) {
      out.push(err('E_VALIDITY_TIME_FORMAT', `${field} "${t.text}" is not ${t.tag === 0x17 ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ'} with valid fields (RFC 5280 4.1.2.5).`));
      continue;
    }
    const year = t.date.getUTCFullYear();
    if (t.tag === 0x18 && year >= 1950 && year <= 2049) out.push(err('E_VALIDITY_GENERALIZED_TIME_BEFORE_2050', `${field} (${year}) is a GeneralizedTime; dates through 2049 must be UTCTime (RFC 5280 4.1.2.5).`));
  }
  const nb = c.notBefore.date;
  const na = c.notAfter.date;
  if (nb && na) {
    if (na <= nb) out.push(err('E_VALIDITY_REVERSED', `notAfter (${na.toISOString()}) is not after notBefore (${nb.toISOString()}).`));
    const seconds = (na.getTime() - nb.getTime()) / 1000 + 1;
    if (kind === 'leaf' && seconds > MAX_LEAF_VALIDITY_SECONDS) out.push(warn('W_LEAF_VALIDITY_OVER_398_DAYS', `The validity period is ${Math.ceil(seconds / 86_400)} days; at most 398 are recommended for leaves (BR 6.3.2).`));
  }
  if (na && na < now) out.push(err('E_EXPIRED', `The certificate expired at ${na.toISOString()}.`));
  if (nb && nb > now) out.push(warn('W_NOT_YET_VALID', `The certificate is not valid before ${nb.toISOString()}.`));
}

/** The subject public key: it must read, and an RSA key must have 2048 bits at least. Gives its family. */
export function lintPublicKey(c: Parsed, out: LintFinding[]): KeyFamily {
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: c.spki, format: 'der', type: 'spki' });
  } catch {
    out.push(err('E_PUBLIC_KEY_INVALID', 'The subject public key cannot be read.'));
  }
  const family = key ? keyFamily(key) : 'other';
  const modulus = key?.asymmetricKeyDetails?.modulusLength;
  if (family === 'rsa' && modulus !== undefined && modulus < 2048) out.push(err('E_PUBLIC_KEY_WEAK', `The RSA key has ${modulus} bits; at least 2048 are required (BR 6.1.5).`));
  return family;
}
