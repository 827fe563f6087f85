/**
 * Verification of the certificate a tenant uploads for an EXTERNAL intermediate CA, with the PEM
 * bundle of their external intermediates and root (RFC 5280 6.1, for what the service relies on).
 *
 * The path is built from the uploaded certificate upward (issuer name = subject name, the
 * authority key identifier preferring the issuer whose subject key identifier matches, the
 * signature deciding), whatever the order of the bundle, and must end in a self-signed root.
 * Then every certificate of it is checked: validity at `now`, issuers are CAs allowed to sign
 * certificates, path length and name constraints hold, no critical extension we do not process.
 *
 * Links are numbered along the path from the uploaded certificate (1) to the root (n): an error
 * names the certificate at fault, `details: { link, subject }`.
 */
import { createPublicKey } from 'node:crypto';
import { AppError, badRequest } from '../errors/index.js';
import { readCertificate, sameName, type Cert } from './certificateReader.js';
import { DerError } from './der.js';
import { checkNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';
import { OID } from './oids.js';
import { pemBlocks, toPem } from './pem.js';

export interface UploadedChainInput {
  /** The certificate the external CA issued for our CSR: one PEM block (text around it is ignored). */
  certificatePem: string;
  /** Every external intermediate and the root, PEM (RFC 7468), any order, duplicates allowed. */
  bundlePem: string;
  /** The SubjectPublicKeyInfo of the CA's own key (the one in the CSR). */
  expectedSpkiDer: Buffer;
  now: Date;
}

export interface VerifiedChain {
  /** The uploaded certificate, re-encoded as one clean PEM block. */
  certificatePem: string;
  /** Its issuers in order, issuer after subject, ending with the root; unused bundle certificates are dropped. */
  chainPem: string[];
  /**
   * How many non-self-issued intermediate CAs may still follow the new CA (the least over the
   * path, its own pathLenConstraint included); undefined when nothing limits it. 0: leaves only.
   * A sub-CA the new CA issues must then carry a pathLen of at most this value minus 1.
   */
  pathLenConstraint?: number;
  /** Name constraints of every CA of the path that has any, root first, the new CA's own last. */
  nameConstraints: NameConstraints[];
  /** Validity of the uploaded certificate. */
  notBefore: Date;
  notAfter: Date;
  /** The earliest notAfter of the whole path: nothing the new CA issues verifies beyond it. */
  pathNotAfter: Date;
  /** The subject Name of the uploaded certificate, byte for byte: the issuer Name of what the CA issues. */
  subjectDer: Buffer;
  subject: string;
  /** Its subjectKeyIdentifier extension, if any: the authorityKeyIdentifier of what the CA issues. */
  subjectKeyId?: Buffer;
}

export const MAX_CHAIN_PEM_BYTES = 64 * 1024;
export const MAX_BUNDLE_CERTIFICATES = 16;
/** Certificates in a path, the uploaded one and the root included. */
export const MAX_PATH_LENGTH = 8;
/** Complete candidate paths tried (cross-certificates make several) before giving up. */
const MAX_PATHS = 16;
/** Path-building steps (certificates tried as the next issuer), bounding the search whatever the bundle. */
const MAX_STEPS = 256;

const KU_KEY_CERT_SIGN = 5;
const KU_CRL_SIGN = 6;
/** What the new CA's own certificate must allow. */
const OWN_USAGES: Array<[number, string]> = [
  [KU_KEY_CERT_SIGN, 'keyCertSign'],
  [KU_CRL_SIGN, 'cRLSign'],
];

/** Extensions this verification processes (or, for extKeyUsage, understands): others may not be critical. */
const PROCESSED_EXTENSIONS = new Set<string>([OID.basicConstraints, OID.keyUsage, OID.nameConstraints, OID.subjectAltName, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier, OID.extKeyUsage]);

/** MD2, MD5 and SHA-1 signatures can be forged by collision. */
const WEAK_SIGNATURES = new Set(['1.2.840.113549.1.1.2', '1.2.840.113549.1.1.4', '1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.2.840.10040.4.3']);

// ---------------------------------------------------------------------------------------------
// PEM (RFC 7468, lax: text between blocks, any line breaks and whitespace inside)

/** The certificates of a PEM text, and how many PEM blocks it holds (of any label). */
function pemCertificates(text: string, code: string, part: 'certificate' | 'bundle'): { ders: Buffer[]; blocks: number } {
  if (typeof text !== 'string') throw badRequest(code, `The ${part} must be PEM text.`, { part });
  if (text.length > MAX_CHAIN_PEM_BYTES) throw badRequest(code, `The ${part} is larger than ${MAX_CHAIN_PEM_BYTES} bytes.`, { part });
  const found = pemBlocks(text);
  const out: Buffer[] = [];
  for (const [i, b] of found.entries()) {
    const block = i + 1;
    if (b.unterminated && block === found.length) throw badRequest(code, `The ${part} has a PEM block without its END line.`, { part });
    // An unterminated block followed by another is a BEGIN the next block swallowed.
    if (b.unterminated || b.mismatched) throw badRequest(code, `PEM block ${block} of the ${part} is malformed (its BEGIN and END lines do not match).`, { part, block });
    if (/PRIVATE KEY/.test(b.label)) throw badRequest(code, `The ${part} holds a private key (PEM block ${block}); send certificates only, and treat that key as exposed.`, { part, block });
    if (b.label !== 'CERTIFICATE') continue;
    if (!b.der) throw badRequest(code, `PEM block ${block} of the ${part} is not valid base64.`, { part, block });
    out.push(b.der);
  }
  return { ders: out, blocks: found.length };
}

function parseBlock(der: Buffer, code: string, part: 'certificate' | 'bundle', block: number): Cert {
  try {
    return readCertificate(der);
  } catch (e) {
    const why = e instanceof DerError ? e.message : 'OpenSSL cannot read it';
    throw badRequest(code, `PEM block ${block} of the ${part} is not a valid X.509 certificate: ${why}.`, { part, block });
  }
}

// ---------------------------------------------------------------------------------------------
// Path building

const q = (c: Cert) => `"${c.subject}"`;

const invalid = (link: number, c: Cert, what: string) => badRequest('CHAIN_INVALID', `link ${link}: ${q(c)} ${what}`, { link, subject: c.subject });

function signedBy(child: Cert, issuer: Cert): boolean {
  if (!issuer.publicKey) return false;
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const validAt = (c: Cert, t: number) => c.notBefore.getTime() <= t && t <= c.notAfter.getTime();

/**
 * Every path from `start` up to a self-signed root through the pool, best candidates first:
 * matching key identifiers, valid now, marked as a CA. Only links whose signature verifies are
 * followed. When no path completes, the error found deepest along the way explains why.
 */
function buildPaths(start: Cert, pool: Cert[], now: number): { paths: Cert[][]; error?: AppError } {
  const paths: Cert[][] = [];
  let deepest: { depth: number; error: AppError } | undefined;
  const note = (depth: number, error: AppError) => {
    if (!deepest || depth > deepest.depth) deepest = { depth, error };
  };

  let steps = 0;
  const walk = (path: Cert[]) => {
    if (paths.length >= MAX_PATHS || ++steps > MAX_STEPS) return;
    const cur = path[path.length - 1];
    const link = path.length;
    if (cur.selfIssued && signedBy(cur, cur)) {
      if (link === 1) note(link, invalid(link, cur, 'is self-signed: upload the certificate your external CA issued for the CSR.'));
      else paths.push(path);
      return;
    }
    if (link >= MAX_PATH_LENGTH) {
      note(link, invalid(link, cur, `is still not a root after ${MAX_PATH_LENGTH} certificates; the path is too long.`));
      return;
    }
    const candidates = pool.filter((c) => !path.includes(c) && sameName(c.subjectDer, cur.issuerDer));
    if (!candidates.length) {
      if (cur.selfIssued && link > 1) {
        note(link, invalid(link, cur, 'is the root of the path, but its self-signature does not verify.'));
      } else {
        note(
          link,
          badRequest('CHAIN_INCOMPLETE', `link ${link}: the bundle has no certificate for "${cur.issuer}", the issuer of ${q(cur)}; include every intermediate up to and including the root.`, {
            link,
            subject: cur.subject,
            issuer: cur.issuer,
          }),
        );
      }
      return;
    }
    const score = (c: Cert) =>
      (cur.authorityKeyId && c.subjectKeyId ? (cur.authorityKeyId.equals(c.subjectKeyId) ? 4 : 0) : 2) + (validAt(c, now) ? 1 : 0) + (c.basicConstraints?.ca ? 1 : 0);
    const ranked = candidates.map((c) => ({ c, s: score(c) })).sort((a, b) => b.s - a.s);
    let followed = false;
    for (const { c } of ranked) {
      if (!signedBy(cur, c)) continue;
      followed = true;
      walk([...path, c]);
    }
    if (!followed) {
      const best = ranked[0].c;
      const keyIdNote = cur.authorityKeyId && best.subjectKeyId && !cur.authorityKeyId.equals(best.subjectKeyId) ? ' (its authority key identifier does not match that certificate either)' : '';
      note(link, invalid(link, cur, `is not signed by the key of the bundle's "${best.subject}"${keyIdNote}: the bundle holds a different certificate of that name than the one that issued it.`));
    }
  };
  walk([start]);
  return { paths, error: deepest?.error };
}

// ---------------------------------------------------------------------------------------------
// Path validation

function toNameConstraints(nc: NonNullable<Cert['nameConstraints']>): NameConstraints {
  const out: NameConstraints = {};
  if (nc.permitted.dns.length) out.permittedDns = nc.permitted.dns;
  if (nc.excluded.dns.length) out.excludedDns = nc.excluded.dns;
  if (nc.permitted.ip.length) out.permittedIp = nc.permitted.ip;
  if (nc.excluded.ip.length) out.excludedIp = nc.excluded.ip;
  if (nc.permitted.email.length) out.permittedEmail = nc.permitted.email;
  if (nc.excluded.email.length) out.excludedEmail = nc.excluded.email;
  return out;
}

function validatePath(path: Cert[], now: Date): Omit<VerifiedChain, 'certificatePem' | 'chainPem'> {
  const t = now.getTime();
  const n = path.length;
  // Per certificate, from the uploaded one (link 1) up to the root (link n).
  for (let i = 0; i < n; i++) {
    const c = path[i];
    const link = i + 1;
    if (c.problem) throw invalid(link, c, `cannot be used: ${c.problem}.`);
    for (const [extOid, e] of c.extensions) {
      if (e.critical && !PROCESSED_EXTENSIONS.has(extOid)) throw invalid(link, c, `has the critical extension ${extOid}, which this service does not process.`);
    }
    if (c.notAfter.getTime() < t) throw invalid(link, c, `expired at ${c.notAfter.toISOString()}.`);
    if (c.notBefore.getTime() > t) throw invalid(link, c, `is not valid before ${c.notBefore.toISOString()}.`);
    // Every certificate of the path signs certificates: the issuers, and the new CA itself.
    const bc = c.basicConstraints;
    if (!bc || !bc.ca) throw invalid(link, c, `is not a CA (${bc ? 'basicConstraints cA false' : 'no basicConstraints extension'}).`);
    if (i === 0 ? !c.keyUsage?.has(KU_KEY_CERT_SIGN) : c.keyUsage && !c.keyUsage.has(KU_KEY_CERT_SIGN)) {
      throw invalid(link, c, `may not sign certificates (${c.keyUsage ? 'keyUsage lacks keyCertSign' : 'no keyUsage extension'}).`);
    }
    if (i < n - 1) {
      if (!c.algorithmsAgree) throw invalid(link, c, 'names different signature algorithms inside and outside its signed part.');
      if (WEAK_SIGNATURES.has(c.signatureOid)) throw invalid(link, c, `is signed with a broken algorithm (${c.signatureOid}, MD5 or SHA-1).`);
    }
  }

  // The new CA signs its own CRLs: without cRLSign, `openssl verify -crl_check` refuses every one of them.
  const missing = OWN_USAGES.filter(([bit]) => !path[0].keyUsage?.has(bit)).map(([, name]) => name);
  if (missing.length) {
    throw badRequest(
      'CA_CERTIFICATE_KEY_USAGE',
      `The certificate ${q(path[0])} has a keyUsage that lacks ${missing.join(' and ')}: this CA signs certificates and CRLs, so ask the external CA to issue it with keyUsage keyCertSign, cRLSign.`,
      { subject: path[0].subject, missing },
    );
  }

  // pathLenConstraint (RFC 5280 6.1.4 (l), (m)): the non-self-issued CA certificates below a CA,
  // the new CA included (what it issues are leaves or further CAs), must not exceed its limit.
  let remaining = path[0].basicConstraints!.pathLen ?? Infinity;
  let below = 0;
  for (let j = 1; j < n; j++) {
    if (!path[j - 1].selfIssued) below++;
    const limit = path[j].basicConstraints!.pathLen;
    if (limit === undefined) continue;
    if (below > limit) {
      throw invalid(j + 1, path[j], `has pathLenConstraint ${limit}, yet ${below} CA certificate${below === 1 ? '' : 's'} would follow it (the new CA included).`);
    }
    remaining = Math.min(remaining, limit - below);
  }

  // Name constraints of every issuer apply to the SANs of every certificate below it (RFC 5280
  // 6.1.3 (b); self-issued intermediates are exempt, the uploaded certificate never is).
  const sets: NameConstraints[] = [];
  for (let j = n - 1; j >= 0; j--) {
    const nc = path[j].nameConstraints && toNameConstraints(path[j].nameConstraints!);
    if (!nc || isEmptyConstraints(nc)) continue;
    sets.push(nc);
    for (let i = j - 1; i >= 0; i--) {
      if (i > 0 && path[i].selfIssued) continue;
      try {
        checkNameConstraints(path[i].sans, [nc]);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        throw badRequest('CHAIN_INVALID', `link ${i + 1}: ${q(path[i])} violates the name constraints of link ${j + 1}, ${q(path[j])}: ${e.message}`, { link: i + 1, subject: path[i].subject, constrainedBy: j + 1 });
      }
    }
  }

  const own = path[0];
  return {
    pathLenConstraint: Number.isFinite(remaining) ? remaining : undefined,
    nameConstraints: sets,
    notBefore: own.notBefore,
    notAfter: own.notAfter,
    pathNotAfter: new Date(Math.min(...path.map((c) => c.notAfter.getTime()))),
    subjectDer: own.subjectDer,
    subject: own.subject,
    subjectKeyId: own.subjectKeyId,
  };
}

function sameKey(spkiDer: Buffer, expected: Buffer): boolean {
  if (spkiDer.equals(expected)) return true;
  try {
    return createPublicKey({ key: spkiDer, format: 'der', type: 'spki' }).equals(createPublicKey({ key: expected, format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

/**
 * Verifies the certificate an external CA issued for our CSR together with the bundle of its
 * issuers. Throws a 400 AppError:
 * - CERTIFICATE_MALFORMED: no readable certificate in `certificatePem`;
 * - CHAIN_MALFORMED: a bundle block is not a certificate, or the bundle holds a private key;
 * - CERTIFICATE_KEY_MISMATCH: the certificate is not for our key;
 * - CHAIN_INCOMPLETE: an issuer (up to the root) is missing from the bundle;
 * - CHAIN_INVALID: a link fails (signature, validity, CA flag, keyUsage, pathLen, name constraints,
 *   unknown critical extension, ...), `details: { link, subject }`;
 * - CA_CERTIFICATE_KEY_USAGE: the certificate's keyUsage lacks cRLSign (or keyCertSign),
 *   `details: { subject, missing }`.
 */
export function verifyUploadedChain(input: UploadedChainInput): VerifiedChain {
  const { now } = input;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
  const own = pemCertificates(input.certificatePem, 'CERTIFICATE_MALFORMED', 'certificate');
  if (!own.ders.length) throw badRequest('CERTIFICATE_MALFORMED', 'The certificate holds no PEM "CERTIFICATE" block.', { part: 'certificate' });
  // Exactly one: with more, which one is meant is a guess (and the rest belong in the chain).
  if (own.blocks > 1) {
    throw badRequest('CERTIFICATE_MALFORMED', `The certificate holds ${own.blocks} PEM blocks; give only the certificate issued for this CA's CSR, and its issuers in the chain.`, { part: 'certificate' });
  }
  const cert = parseBlock(own.ders[0], 'CERTIFICATE_MALFORMED', 'certificate', 1);

  if (!sameKey(cert.spkiDer, input.expectedSpkiDer)) {
    throw badRequest('CERTIFICATE_KEY_MISMATCH', `The certificate ${q(cert)} is for a different key than this CA's certificate request; upload the certificate issued for its CSR.`, { subject: cert.subject });
  }

  const pool: Cert[] = [];
  for (const [i, der] of pemCertificates(input.bundlePem, 'CHAIN_MALFORMED', 'bundle').ders.entries()) {
    if (der.equals(cert.der) || pool.some((c) => c.der.equals(der))) continue;
    if (pool.length >= MAX_BUNDLE_CERTIFICATES) throw badRequest('CHAIN_MALFORMED', `The bundle holds more than ${MAX_BUNDLE_CERTIFICATES} distinct certificates.`, { part: 'bundle' });
    pool.push(parseBlock(der, 'CHAIN_MALFORMED', 'bundle', i + 1));
  }

  const { paths, error } = buildPaths(cert, pool, now.getTime());
  if (!paths.length) throw error ?? badRequest('CHAIN_INCOMPLETE', 'No path to a root could be built from the bundle.', { link: 1, subject: cert.subject });
  let first: unknown;
  for (const path of paths) {
    try {
      const facts = validatePath(path, now);
      return { certificatePem: toPem(cert.der, 'CERTIFICATE'), chainPem: path.slice(1).map((c) => toPem(c.der, 'CERTIFICATE')), ...facts };
    } catch (e) {
      first ??= e;
    }
  }
  throw first;
}
