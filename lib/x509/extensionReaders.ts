/**
 * THE decoders of the certificate extension values lint and path validation read (RFC 5280 4.2).
 * What does not read at all is a DerError. What reads but is not what DER or RFC 5280 allows (a
 * cA encoded as its default FALSE, a keyUsage with trailing zero bits, an empty key identifier)
 * goes to `note`: by default that throws the same DerError (the linter reports it), path
 * validation passes `tolerate` and uses the value.
 */
import { children, content, decodeOid, derBoolean, DerError, expectTag, wholeTlv, type Tlv } from './der.js';
import { ipFromBytes, type San } from './san.js';

/** Receives what a strict reading refuses although the value still reads. */
export type Note = (problem: string) => void;

const fail = (why: string): never => {
  throw new DerError(why);
};

/** The default: a departure from DER is a DerError like any other. */
export const strict: Note = fail;
/** Path validation's: the value is used as read. */
export const tolerate: Note = () => {};

const need = expectTag;

const whole = wholeTlv;

export const oidAt = (buf: Buffer, t: Tlv | undefined, what: string) => decodeOid(content(buf, need(t, 0x06, what)));

/** RFC 5280 4.2.1.3, bit 0 the most significant bit of the first byte. */
export const KU = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6, encipherOnly: 7, decipherOnly: 8 };

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

export function basicConstraints(v: Buffer, note: Note = strict): BasicConstraints {
  const parts = children(v, need(whole(v, 'basicConstraints'), 0x30, 'basicConstraints'));
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === 0x01) {
    ca = derBoolean(v, parts[i++]);
    if (!ca) note('cA is encoded as FALSE, its default');
  }
  let pathLen: number | undefined;
  if (parts[i]?.tag === 0x02) {
    const n = content(v, parts[i++]);
    if (!n.length || n[0] & 0x80 || n.length > 4) fail('pathLenConstraint is not a small non-negative DER INTEGER');
    if (n.length > 1 && n[0] === 0 && !(n[1] & 0x80)) note('pathLenConstraint is not a small non-negative DER INTEGER');
    pathLen = n.readUIntBE(0, n.length);
  }
  if (i !== parts.length) fail('basicConstraints has unexpected fields');
  return { ca, pathLen };
}

/** The set bits of a KeyUsage BIT STRING; a non-DER NamedBitList (X.690 11.2) goes to `note`. */
export function keyUsageBits(v: Buffer, note: Note = strict): Set<number> {
  const bits = content(v, need(whole(v, 'keyUsage'), 0x03, 'keyUsage'));
  if (!bits.length) fail('keyUsage is an empty BIT STRING');
  const unused = bits[0];
  const bytes = bits.subarray(1);
  if (unused > 7) fail('keyUsage has a bad unused-bits count');
  if (!bytes.length && unused) note('keyUsage has a bad unused-bits count');
  const set = new Set<number>();
  if (!bytes.length) return set;
  const last = bytes[bytes.length - 1];
  // DER: trailing zero bits of a NamedBitList are removed, so the last bit present is a 1.
  if (!(last & (1 << unused)) || last & ((1 << unused) - 1)) note('keyUsage has trailing zero bits (not DER)');
  for (let b = 0; b < bytes.length * 8 - unused; b++) if (bytes[b >> 3] & (0x80 >> (b & 7))) set.add(b);
  return set;
}

export function extKeyUsages(v: Buffer): string[] {
  const list = children(v, need(whole(v, 'extKeyUsage'), 0x30, 'extKeyUsage'));
  if (!list.length) fail('extKeyUsage is empty (SIZE (1..MAX))');
  return list.map((t) => oidAt(v, t, 'a key purpose'));
}

export function subjectKeyId(v: Buffer, note: Note = strict): Buffer {
  const id = content(v, need(whole(v, 'subjectKeyIdentifier'), 0x04, 'subjectKeyIdentifier'));
  if (!id.length) note('subjectKeyIdentifier is empty');
  return Buffer.from(id);
}

/** The keyIdentifier of an AuthorityKeyIdentifier; undefined when it has only issuer and serial. */
export function authorityKeyId(v: Buffer, note: Note = strict): Buffer | undefined {
  const parts = children(v, need(whole(v, 'authorityKeyIdentifier'), 0x30, 'authorityKeyIdentifier'));
  let last = -1;
  for (const p of parts) {
    const n = [0x80, 0xa1, 0x82].indexOf(p.tag);
    if (n <= last) {
      note('authorityKeyIdentifier has unexpected fields');
      break;
    }
    last = n;
  }
  const id = parts.find((p) => p.tag === 0x80);
  return id && Buffer.from(content(v, id));
}

export interface GeneralName {
  tag: number;
  value: Buffer;
}

export function generalNames(v: Buffer): GeneralName[] {
  return children(v, need(whole(v, 'subjectAltName'), 0x30, 'subjectAltName')).map((t) => ({ tag: t.tag, value: content(v, t) }));
}

function ia5(b: Buffer, what: string): string {
  if (/[^\x20-\x7e]/.test(b.toString('latin1'))) fail(`${what} has characters outside printable ASCII`);
  return b.toString('latin1');
}

/** The DNS, IP and e-mail names of subjectAltName; other forms are not constrained by what we enforce. */
export function subjectAltNames(v: Buffer): San[] {
  const out: San[] = [];
  for (const { tag, value } of generalNames(v)) {
    if (tag === 0x82) out.push({ type: 'dns', value: ia5(value, 'a dNSName').toLowerCase() });
    else if (tag === 0x81) out.push({ type: 'email', value: ia5(value, 'an rfc822Name') });
    else if (tag === 0x87) {
      if (value.length !== 4 && value.length !== 16) fail('an iPAddress name is neither 4 nor 16 bytes');
      out.push({ type: 'ip', value: ipFromBytes(value) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// nameConstraints

export interface Subtrees {
  dns: string[];
  ip: string[];
  email: string[];
}

/** A constraint that reads but that this service cannot enforce (another name form, a mask with holes). */
export class UnsupportedConstraint extends Error {}

const GENERAL_NAME_FORMS: Record<number, string> = { 0xa0: 'otherName', 0x81: 'rfc822Name', 0x82: 'dNSName', 0x83: 'x400Address', 0xa4: 'directoryName', 0xa5: 'ediPartyName', 0x86: 'URI', 0x87: 'iPAddress', 0x88: 'registeredID' };

/** The prefix length of a contiguous netmask; undefined when the mask has holes. */
function prefixOf(mask: Buffer): number | undefined {
  let prefix = 0;
  while (prefix < mask.length * 8 && mask[prefix >> 3] & (0x80 >> (prefix & 7))) prefix++;
  for (let b = prefix; b < mask.length * 8; b++) if (mask[b >> 3] & (0x80 >> (b & 7))) return undefined;
  return prefix;
}

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

/** The DNS, IP and e-mail subtrees of nameConstraints; UnsupportedConstraint for anything else. */
export function nameConstraintsOf(v: Buffer): { permitted: Subtrees; excluded: Subtrees } {
  const parts = children(v, need(whole(v, 'nameConstraints'), 0x30, 'nameConstraints'));
  const empty = (): Subtrees => ({ dns: [], ip: [], email: [] });
  const permittedField = parts.find((p) => p.tag === 0xa0);
  const excludedField = parts.find((p) => p.tag === 0xa1);
  if (parts.some((p) => p.tag !== 0xa0 && p.tag !== 0xa1) || parts.length > 2 || (parts.length === 2 && parts[0].tag !== 0xa0)) fail('nameConstraints has unexpected fields');
  // RFC 5280: conforming CAs MUST NOT issue an empty nameConstraints.
  if (!parts.length) fail('nameConstraints is empty');
  return { permitted: permittedField ? subtrees(v, permittedField) : empty(), excluded: excludedField ? subtrees(v, excludedField) : empty() };
}
