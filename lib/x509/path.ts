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
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { AppError, badRequest } from '../errors/index.js';
import { certificateParts, children, content, decodeOid, decodeTime, derBoolean, DerError, expectTag, slice, wholeTlv, type Tlv } from './der.js';
import { decodeName, nameToString } from './name.js';
import { checkNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';
import { OID } from './oids.js';
import { pemBlocks, toPem } from './pem.js';
import { ipFromBytes, type San } from './san.js';

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

// ---------------------------------------------------------------------------------------------
// Reading certificates

interface Extension {
  critical: boolean;
  value: Buffer;
}

interface Subtrees {
  dns: string[];
  ip: string[];
  email: string[];
}

export interface Cert {
  der: Buffer;
  x509: X509Certificate;
  publicKey?: KeyObject;
  subjectDer: Buffer;
  issuerDer: Buffer;
  subject: string;
  issuer: string;
  spkiDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  signatureOid: string;
  /** The TBSCertificate's signature field equals the outer signatureAlgorithm (RFC 5280 4.1.1.2). */
  algorithmsAgree: boolean;
  selfIssued: boolean;
  extensions: Map<string, Extension>;
  /** Why the certificate cannot be used, found while reading it (a malformed or duplicated extension). */
  problem?: string;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: Set<number>;
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  sans: San[];
  nameConstraints?: { permitted: Subtrees; excluded: Subtrees };
}

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

const GENERAL_NAME_FORMS: Record<number, string> = { 0xa0: 'otherName', 0x81: 'rfc822Name', 0x82: 'dNSName', 0x83: 'x400Address', 0xa4: 'directoryName', 0xa5: 'ediPartyName', 0x86: 'URI', 0x87: 'iPAddress', 0x88: 'registeredID' };

const fail = (why: string): never => {
  throw new DerError(why);
};

const need = expectTag;

const whole = wholeTlv;

function readTime(buf: Buffer, t: Tlv | undefined, what: string): Date {
  const { text, date } = decodeTime(buf, t, what);
  if (!date) fail(`${what} (${text}) is not a valid time in the form RFC 5280 requires`);
  return date!;
}

const booleanAt = derBoolean;

function basicConstraints(v: Buffer): { ca: boolean; pathLen?: number } {
  const parts = children(v, need(whole(v, 'basicConstraints'), 0x30, 'basicConstraints'));
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === 0x01) ca = booleanAt(v, parts[i++]);
  let pathLen: number | undefined;
  if (parts[i]?.tag === 0x02) {
    const n = content(v, parts[i++]);
    if (!n.length || n[0] & 0x80 || n.length > 4) fail('pathLenConstraint is not a small non-negative INTEGER');
    pathLen = n.readUIntBE(0, n.length);
  }
  if (i !== parts.length) fail('basicConstraints has unexpected fields');
  return { ca, pathLen };
}

function keyUsageBits(v: Buffer): Set<number> {
  const bits = content(v, need(whole(v, 'keyUsage'), 0x03, 'keyUsage'));
  if (!bits.length || bits[0] > 7) fail('keyUsage has a bad unused-bits count');
  const bytes = bits.subarray(1);
  const set = new Set<number>();
  for (let b = 0; b < bytes.length * 8 - bits[0]; b++) if (bytes[b >> 3] & (0x80 >> (b & 7))) set.add(b);
  return set;
}

function subjectKeyId(v: Buffer): Buffer {
  return Buffer.from(content(v, need(whole(v, 'subjectKeyIdentifier'), 0x04, 'subjectKeyIdentifier')));
}

function authorityKeyId(v: Buffer): Buffer | undefined {
  const parts = children(v, need(whole(v, 'authorityKeyIdentifier'), 0x30, 'authorityKeyIdentifier'));
  const id = parts.find((p) => p.tag === 0x80);
  return id && Buffer.from(content(v, id));
}

function ia5(b: Buffer, what: string): string {
  if (/[^\x20-\x7e]/.test(b.toString('latin1'))) fail(`${what} has characters outside printable ASCII`);
  return b.toString('latin1');
}

/** The DNS, IP and e-mail names of subjectAltName; other forms are not constrained by what we enforce. */
function subjectAltNames(v: Buffer): San[] {
  const out: San[] = [];
  for (const gn of children(v, need(whole(v, 'subjectAltName'), 0x30, 'subjectAltName'))) {
    const value = content(v, gn);
    if (gn.tag === 0x82) out.push({ type: 'dns', value: ia5(value, 'a dNSName').toLowerCase() });
    else if (gn.tag === 0x81) out.push({ type: 'email', value: ia5(value, 'an rfc822Name') });
    else if (gn.tag === 0x87) {
      if (value.length !== 4 && value.length !== 16) fail('an iPAddress name is neither 4 nor 16 bytes');
      out.push({ type: 'ip', value: ipFromBytes(value) });
    }
  }
  return out;
}

/** The prefix length of a contiguous netmask; undefined when the mask has holes. */
function prefixOf(mask: Buffer): number | undefined {
  let prefix = 0;
  while (prefix < mask.length * 8 && mask[prefix >> 3] & (0x80 >> (prefix & 7))) prefix++;
  for (let b = prefix; b < mask.length * 8; b++) if (mask[b >> 3] & (0x80 >> (b & 7))) return undefined;
  return prefix;
}

class UnsupportedConstraint extends Error {}

function subtrees(v: Buffer, field: Tlv): Subtrees {
  const out: Subtrees = { dns: [], ip: [], email: [] };
  for (const subtree of children(v, field)) {
    const [base, ...bounds] = children(v, need(subtree, 0x30, 'a GeneralSubtree'));
    if (!base) fail('a GeneralSubtree has no base');
    // RFC 5280 4.2.1.10: minimum MUST be zero (so, in DER, absent) and maximum MUST be absent.
    if (bounds.length) fail('a GeneralSubtree has minimum or maximum, which RFC 5280 forbids');
    const value = content(v, base);
    if (base.tag === 0x82) {
      const name = ia5(value, 'a dNSName constraint').toLowerCase();
      if (!name) throw new UnsupportedConstraint('an empty dNSName constraint');
      out.dns.push(name);
    } else if (base.tag === 0x81) {
      const name = ia5(value, 'an rfc822Name constraint').toLowerCase();
      if (!name) throw new UnsupportedConstraint('an empty rfc822Name constraint');
      out.email.push(name);
    } else if (base.tag === 0x87) {
      if (value.length !== 8 && value.length !== 32) fail('an iPAddress constraint is neither 8 nor 32 bytes');
      const half = value.length / 2;
      const prefix = prefixOf(value.subarray(half));
      if (prefix === undefined) throw new UnsupportedConstraint(`an iPAddress constraint with a non-contiguous mask (${ipFromBytes(value.subarray(half))})`);
      out.ip.push(`${ipFromBytes(value.subarray(0, half))}/${prefix}`);
    } else {
      throw new UnsupportedConstraint(`a constraint on ${GENERAL_NAME_FORMS[base.tag] ?? `names of tag 0x${base.tag.toString(16)}`} names, which this service cannot enforce`);
    }
  }
  return out;
}

function nameConstraintsOf(v: Buffer): { permitted: Subtrees; excluded: Subtrees } {
  const parts = children(v, need(whole(v, 'nameConstraints'), 0x30, 'nameConstraints'));
  const empty = (): Subtrees => ({ dns: [], ip: [], email: [] });
  const permittedField = parts.find((p) => p.tag === 0xa0);
  const excludedField = parts.find((p) => p.tag === 0xa1);
  if (parts.some((p) => p.tag !== 0xa0 && p.tag !== 0xa1) || parts.length > 2 || (parts.length === 2 && parts[0].tag !== 0xa0)) fail('nameConstraints has unexpected fields');
  // RFC 5280: conforming CAs MUST NOT issue an empty nameConstraints.
  if (!parts.length) fail('nameConstraints is empty');
  return { permitted: permittedField ? subtrees(v, permittedField) : empty(), excluded: excludedField ? subtrees(v, excludedField) : empty() };
}

function toNameConstraints(nc: { permitted: Subtrees; excluded: Subtrees }): NameConstraints {
  const out: NameConstraints = {};
  if (nc.permitted.dns.length) out.permittedDns = nc.permitted.dns;
  if (nc.excluded.dns.length) out.excludedDns = nc.excluded.dns;
  if (nc.permitted.ip.length) out.permittedIp = nc.permitted.ip;
  if (nc.excluded.ip.length) out.excludedIp = nc.excluded.ip;
  if (nc.permitted.email.length) out.permittedEmail = nc.permitted.email;
  if (nc.excluded.email.length) out.excludedEmail = nc.excluded.email;
  return out;
}

function nameText(der: Buffer, fallback: string): string {
  try {
    return nameToString(der) || '(empty name)';
  } catch {
    return fallback.replace(/\n/g, ',');
  }
}

/** RFC 5280 7.1 name matching: byte-equal, or equal after case folding and whitespace compression. */
function sameName(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    const canon = (d: Buffer) =>
      decodeName(d)
        .map((x) => `${x.type}=${x.value.trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .join('\u0000');
    return canon(a) === canon(b);
  } catch {
    return false;
  }
}

/** Reads one certificate strictly enough to rely on; the DER must also satisfy OpenSSL. */
export function readCertificate(der: Buffer): Cert {
  const x509 = new X509Certificate(der);
  const { tbs, outerAlg } = certificateParts(der);
  const f = children(der, tbs);
  let i = f[0]?.tag === 0xa0 ? 1 : 0;
  need(f[i++], 0x02, 'serialNumber');
  const tbsAlg = need(f[i++], 0x30, 'signature');
  const issuer = need(f[i++], 0x30, 'issuer');
  const validity = children(der, need(f[i++], 0x30, 'validity'));
  if (validity.length !== 2) fail('validity must hold two times');
  const subject = need(f[i++], 0x30, 'subject');
  const spki = need(f[i++], 0x30, 'subjectPublicKeyInfo');
  while (f[i] && (f[i].tag === 0x81 || f[i].tag === 0x82)) i++;
  const extensions = new Map<string, Extension>();
  let problem: string | undefined;
  if (f[i]?.tag === 0xa3) {
    const [list, ...more] = children(der, f[i++]);
    if (more.length) fail('the extensions field must hold one SEQUENCE');
    for (const ext of children(der, need(list, 0x30, 'extensions'))) {
      const parts = children(der, need(ext, 0x30, 'an extension'));
      const extOid = decodeOid(content(der, need(parts[0], 0x06, 'an extension identifier')));
      let j = 1;
      let critical = false;
      if (parts[j]?.tag === 0x01) critical = booleanAt(der, parts[j++]);
      const value = need(parts[j++], 0x04, 'an extension value');
      if (j !== parts.length) fail('an extension has unexpected fields');
      if (extensions.has(extOid)) problem ??= `it has the extension ${extOid} twice`;
      extensions.set(extOid, { critical, value: content(der, value) });
    }
  }
  if (i !== f.length) fail('the TBSCertificate has unexpected fields');

  const outerParts = children(der, outerAlg);
  const subjectDer = Buffer.from(slice(der, subject));
  const issuerDer = Buffer.from(slice(der, issuer));
  let publicKey: KeyObject | undefined;
  try {
    publicKey = createPublicKey({ key: Buffer.from(slice(der, spki)), format: 'der', type: 'spki' });
  } catch {
    publicKey = undefined;
  }
  const c: Cert = {
    der,
    x509,
    publicKey,
    subjectDer,
    issuerDer,
    subject: nameText(subjectDer, x509.subject),
    issuer: nameText(issuerDer, x509.issuer),
    spkiDer: Buffer.from(slice(der, spki)),
    notBefore: readTime(der, validity[0], 'notBefore'),
    notAfter: readTime(der, validity[1], 'notAfter'),
    signatureOid: decodeOid(content(der, need(outerParts[0], 0x06, 'the signature algorithm'))),
    algorithmsAgree: slice(der, tbsAlg).equals(slice(der, outerAlg)),
    selfIssued: sameName(subjectDer, issuerDer),
    extensions,
    problem,
    sans: [],
  };
  // A malformed extension value makes the certificate unusable, reported with its link number later.
  const decode = <T>(extOid: string, name: string, fn: (v: Buffer) => T): T | undefined => {
    const e = extensions.get(extOid);
    if (!e) return undefined;
    try {
      return fn(e.value);
    } catch (err) {
      if (err instanceof UnsupportedConstraint) {
        c.problem ??= `its name constraints hold ${err.message}`;
        return undefined;
      }
      if (!(err instanceof DerError)) throw err;
      c.problem ??= `its ${name} extension is malformed (${err.message})`;
      return undefined;
    }
  };
  c.basicConstraints = decode(OID.basicConstraints, 'basicConstraints', basicConstraints);
  c.keyUsage = decode(OID.keyUsage, 'keyUsage', keyUsageBits);
  c.subjectKeyId = decode(OID.subjectKeyIdentifier, 'subjectKeyIdentifier', subjectKeyId);
  c.authorityKeyId = decode(OID.authorityKeyIdentifier, 'authorityKeyIdentifier', authorityKeyId);
  c.sans = decode(OID.subjectAltName, 'subjectAltName', subjectAltNames) ?? [];
  c.nameConstraints = decode(OID.nameConstraints, 'nameConstraints', nameConstraintsOf);
  return c;
}

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
