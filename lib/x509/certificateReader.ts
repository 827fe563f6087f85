/**
 * THE strict DER reader of certificates (RFC 5280 4.1), which lint, path validation and the check
 * of what we issued all use. `parseCertificate` gives the raw facts, with what departs from DER
 * but still reads noted per extension (`Extension.problem`): the linter turns those into findings.
 * `readCertificate` builds on it what chains are checked with (`Cert`): the decoded extensions
 * that matter, and in `problem` why the certificate cannot be relied on (a malformed or duplicated
 * extension). What does not read at all is a DerError.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateParts, children, content, decodeTime, derBoolean, DerError, expectTag, slice, type Tlv } from './der.js';
import { authorityKeyId, basicConstraints, keyUsageBits, nameConstraintsOf, oidAt, subjectAltNames, subjectKeyId, tolerate, UnsupportedConstraint, type Subtrees } from './extensionReaders.js';
import { decodeName, nameToString } from './name.js';
import { OID } from './oids.js';
import type { San } from './san.js';

export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content: the DER of the extension's own value. */
  value: Buffer;
  /** DER violations in the Extension wrapper itself (an explicitly encoded DEFAULT FALSE). */
  problem?: string;
}

export interface Time {
  text: string;
  tag: number;
  date?: Date;
}

export interface Parsed {
  der: Buffer;
  tbsDer: Buffer;
  /** The INTEGER value of the version field; 0 (v1) when the field is absent. */
  version: number | undefined;
  serial: Buffer;
  tbsAlgorithm: Buffer;
  outerAlgorithm: Buffer;
  algorithmOid: string;
  algorithmParams: Buffer[];
  signature: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Time;
  notAfter: Time;
  spki: Buffer;
  uniqueIds: boolean;
  /** Undefined without the [3] field; then the certificate has no extensions at all. */
  extensions?: Extension[];
}

const fail = (why: string): never => {
  throw new DerError(why);
};

const need = expectTag;

function readExtensions(buf: Buffer, field: Tlv): Extension[] {
  const list = children(buf, field);
  if (list.length !== 1) fail('the extensions field must hold one SEQUENCE');
  const out: Extension[] = [];
  for (const ext of children(buf, need(list[0], 0x30, 'extensions'))) {
    const parts = children(buf, need(ext, 0x30, 'an extension'));
    const extOid = oidAt(buf, parts[0], 'an extension identifier');
    let critical = false;
    let problem: string | undefined;
    let i = 1;
    if (parts[i]?.tag === 0x01) {
      critical = derBoolean(buf, parts[i]);
      // X.690 11.5: a value equal to its DEFAULT is not encoded.
      if (!critical) problem = 'critical is encoded as FALSE, its default';
      i++;
    }
    const value = need(parts[i], 0x04, 'an extension value');
    if (parts.length !== i + 1) fail('an extension has unexpected fields');
    out.push({ oid: extOid, critical, value: content(buf, value), problem });
  }
  return out;
}

/** Certificate and TBSCertificate (RFC 5280 4.1), strictly: anything out of place is a DerError. */
export function parseCertificate(der: Buffer): Parsed {
  const { tbs, outerAlg, sig } = certificateParts(der);
  const sigBits = content(der, sig);
  if (sigBits.length < 2 || sigBits[0] !== 0) fail('the signature BIT STRING is empty or has unused bits');

  const f = children(der, tbs);
  let i = 0;
  let version: number | undefined = 0;
  if (f[0]?.tag === 0xa0) {
    const [v, ...rest] = children(der, f[0]);
    const vc = content(der, need(v, 0x02, 'version'));
    version = rest.length === 0 && vc.length === 1 ? vc[0] : undefined;
    i++;
  }
  const serial = content(der, need(f[i++], 0x02, 'serialNumber'));
  const tbsAlg = need(f[i++], 0x30, 'signature');
  const issuer = need(f[i++], 0x30, 'issuer');
  const validity = children(der, need(f[i++], 0x30, 'validity'));
  if (validity.length !== 2) fail('validity must hold two times');
  const subject = need(f[i++], 0x30, 'subject');
  const spki = need(f[i++], 0x30, 'subjectPublicKeyInfo');
  let uniqueIds = false;
  while (f[i]?.tag === 0x81 || f[i]?.tag === 0xa1 || f[i]?.tag === 0x82 || f[i]?.tag === 0xa2) {
    uniqueIds = true;
    i++;
  }
  let extensions: Extension[] | undefined;
  if (f[i]?.tag === 0xa3) extensions = readExtensions(der, f[i++]);
  if (i !== f.length) fail('the TBSCertificate has unexpected fields');

  const outerParts = children(der, outerAlg);
  return {
    der,
    tbsDer: slice(der, tbs),
    version,
    serial,
    tbsAlgorithm: slice(der, tbsAlg),
    outerAlgorithm: slice(der, outerAlg),
    algorithmOid: oidAt(der, outerParts[0], 'the signature algorithm'),
    algorithmParams: outerParts.slice(1).map((p) => slice(der, p)),
    signature: sigBits.subarray(1),
    issuer: slice(der, issuer),
    subject: slice(der, subject),
    notBefore: decodeTime(der, validity[0], 'notBefore'),
    notAfter: decodeTime(der, validity[1], 'notAfter'),
    spki: slice(der, spki),
    uniqueIds,
    extensions,
  };
}

// ---------------------------------------------------------------------------------------------
// The certificate as chains are checked with it

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
  /** By OID; of duplicates (a `problem`) the last. */
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

function nameText(der: Buffer, fallback: string): string {
  try {
    return nameToString(der) || '(empty name)';
  } catch {
    return fallback.replace(/\n/g, ',');
  }
}

/** RFC 5280 7.1 name matching: byte-equal, or equal after case folding and whitespace compression. */
export function sameName(a: Buffer, b: Buffer): boolean {
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

function validTime(t: Time, what: string): Date {
  if (!t.date) fail(`${what} (${t.text}) is not a valid time in the form RFC 5280 requires`);
  return t.date!;
}

/**
 * Reads one certificate strictly enough to rely on; the DER must also satisfy OpenSSL. Encodings
 * that read but are not DER (what the linter reports) are tolerated here.
 */
export function readCertificate(der: Buffer): Cert {
  const x509 = new X509Certificate(der);
  const p = parseCertificate(der);
  const extensions = new Map<string, Extension>();
  let problem: string | undefined;
  for (const e of p.extensions ?? []) {
    if (extensions.has(e.oid)) problem ??= `it has the extension ${e.oid} twice`;
    extensions.set(e.oid, e);
  }
  const subjectDer = Buffer.from(p.subject);
  const issuerDer = Buffer.from(p.issuer);
  let publicKey: KeyObject | undefined;
  try {
    publicKey = createPublicKey({ key: Buffer.from(p.spki), format: 'der', type: 'spki' });
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
    spkiDer: Buffer.from(p.spki),
    notBefore: validTime(p.notBefore, 'notBefore'),
    notAfter: validTime(p.notAfter, 'notAfter'),
    signatureOid: p.algorithmOid,
    algorithmsAgree: p.tbsAlgorithm.equals(p.outerAlgorithm),
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
  c.basicConstraints = decode(OID.basicConstraints, 'basicConstraints', (v) => basicConstraints(v, tolerate));
  c.keyUsage = decode(OID.keyUsage, 'keyUsage', (v) => keyUsageBits(v, tolerate));
  c.subjectKeyId = decode(OID.subjectKeyIdentifier, 'subjectKeyIdentifier', (v) => subjectKeyId(v, tolerate));
  c.authorityKeyId = decode(OID.authorityKeyIdentifier, 'authorityKeyIdentifier', (v) => authorityKeyId(v, tolerate));
  c.sans = decode(OID.subjectAltName, 'subjectAltName', subjectAltNames) ?? [];
  c.nameConstraints = decode(OID.nameConstraints, 'nameConstraints', nameConstraintsOf);
  return c;
}
