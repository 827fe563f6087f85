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
import { badRequest } from '../errors/index.js';
import { readCertificate, type Cert } from './certificateReader.js';
import { DerError } from './der.js';
import { buildPaths } from './pathBuild.js';
import { q, validatePath, type PathFacts } from './pathValidate.js';
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

export interface VerifiedChain extends PathFacts {
  /** The uploaded certificate, re-encoded as one clean PEM block. */
  certificatePem: string;
  /** Its issuers in order, issuer after subject, ending with the root; unused bundle certificates are dropped. */
  chainPem: string[];
}

/** Tolerates the clock of an external CA a little ahead of ours (the API's check and the worker's alike). */
export const UPLOAD_CLOCK_SKEW_MS = 60_000;

export const MAX_CHAIN_PEM_BYTES = 64 * 1024;
export const MAX_BUNDLE_CERTIFICATES = 16;
export { MAX_PATH_LENGTH } from './pathBuild.js';

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
    if (!b.der || !b.padded) throw badRequest(code, `PEM block ${block} of the ${part} is not valid base64.`, { part, block });
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
