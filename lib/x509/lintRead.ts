/**
 * The linter's reading of a certificate: Certificate and TBSCertificate strictly (RFC 5280 4.1),
 * and the values of the extensions it checks. What does not read is a DerError, which the checks
 * turn into findings.
 */
import { certificateParts, children, content, decodeOid, decodeTime, DerError, expectTag, slice, wholeTlv, type Tlv } from './der.js';

/** RFC 5280 4.2.1.3, bit 0 the most significant bit of the first byte. */
export const KU = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6, encipherOnly: 7, decipherOnly: 8 };

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

const oidAt = (buf: Buffer, t: Tlv | undefined, what: string) => decodeOid(content(buf, need(t, 0x06, what)));

/** A DER BOOLEAN: one byte, 0x00 or 0xFF. */
function booleanAt(buf: Buffer, t: Tlv): boolean {
  const c = content(buf, t);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) fail('a BOOLEAN is not DER (one byte, 0x00 or 0xFF)');
  return c[0] === 0xff;
}

const whole = wholeTlv;

const readTime = (buf: Buffer, t: Tlv | undefined, what: string): Time => decodeTime(buf, t, what);

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
      critical = booleanAt(buf, parts[i]);
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
    notBefore: readTime(der, validity[0], 'notBefore'),
    notAfter: readTime(der, validity[1], 'notAfter'),
    spki: slice(der, spki),
    uniqueIds,
    extensions,
  };
}

// ---------------------------------------------------------------------------------------------
// Extension values

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export function basicConstraints(v: Buffer): BasicConstraints {
  const parts = children(v, need(whole(v, 'basicConstraints'), 0x30, 'basicConstraints'));
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === 0x01) {
    ca = booleanAt(v, parts[i++]);
    if (!ca) fail('cA is encoded as FALSE, its default');
  }
  let pathLen: number | undefined;
  if (parts[i]?.tag === 0x02) {
    const n = content(v, parts[i++]);
    if (!n.length || n[0] & 0x80 || n.length > 4 || (n.length > 1 && n[0] === 0 && !(n[1] & 0x80))) fail('pathLenConstraint is not a small non-negative DER INTEGER');
    pathLen = n.readUIntBE(0, n.length);
  }
  if (i !== parts.length) fail('basicConstraints has unexpected fields');
  return { ca, pathLen };
}

/** The set bits of a KeyUsage BIT STRING; a non-DER NamedBitList (X.690 11.2) is a DerError. */
export function keyUsageBits(v: Buffer): Set<number> {
  const bits = content(v, need(whole(v, 'keyUsage'), 0x03, 'keyUsage'));
  if (!bits.length) fail('keyUsage is an empty BIT STRING');
  const unused = bits[0];
  const bytes = bits.subarray(1);
  if (unused > 7 || (!bytes.length && unused)) fail('keyUsage has a bad unused-bits count');
  const set = new Set<number>();
  if (!bytes.length) return set;
  const last = bytes[bytes.length - 1];
  // DER: trailing zero bits of a NamedBitList are removed, so the last bit present is a 1.
  if (!(last & (1 << unused)) || last & ((1 << unused) - 1)) fail('keyUsage has trailing zero bits (not DER)');
  for (let b = 0; b < bytes.length * 8 - unused; b++) if (bytes[b >> 3] & (0x80 >> (b & 7))) set.add(b);
  return set;
}

export function extKeyUsages(v: Buffer): string[] {
  const list = children(v, need(whole(v, 'extKeyUsage'), 0x30, 'extKeyUsage'));
  if (!list.length) fail('extKeyUsage is empty (SIZE (1..MAX))');
  return list.map((t) => oidAt(v, t, 'a key purpose'));
}

export function subjectKeyId(v: Buffer): Buffer {
  const id = content(v, need(whole(v, 'subjectKeyIdentifier'), 0x04, 'subjectKeyIdentifier'));
  if (!id.length) fail('subjectKeyIdentifier is empty');
  return id;
}

/** The keyIdentifier of an AuthorityKeyIdentifier; undefined when it has only issuer and serial. */
export function authorityKeyId(v: Buffer): Buffer | undefined {
  const parts = children(v, need(whole(v, 'authorityKeyIdentifier'), 0x30, 'authorityKeyIdentifier'));
  let last = -1;
  for (const p of parts) {
    const n = [0x80, 0xa1, 0x82].indexOf(p.tag);
    if (n <= last) fail('authorityKeyIdentifier has unexpected fields');
    last = n;
  }
  const id = parts.find((p) => p.tag === 0x80);
  return id && content(v, id);
}

export interface GeneralName {
  tag: number;
  value: Buffer;
}

export function generalNames(v: Buffer): GeneralName[] {
  return children(v, need(whole(v, 'subjectAltName'), 0x30, 'subjectAltName')).map((t) => ({ tag: t.tag, value: content(v, t) }));
}
