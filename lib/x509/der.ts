/**
 * Just enough DER reading to slice the exact bytes of an element: what was signed must be
 * verified byte for byte, never re-encoded by a parser that might normalise it.
 */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte in the buffer. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

export class DerError extends Error {}

export function readTlv(buf: Buffer, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
    if (pos + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    if (len < 0x80 || buf[pos] === 0) throw new DerError('non-minimal length');
    pos += n;
  }
  if (pos + len > limit) throw new DerError('element runs past its container');
  return { tag, start: offset, contentStart: pos, end: pos + len };
}

/** The children of a constructed element. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export const slice = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end);
export const content = (buf: Buffer, t: Tlv) => buf.subarray(t.contentStart, t.end);

/** The element at `t`, which must exist and carry `tag`; a DerError naming `what` otherwise. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what} is missing or has the wrong type`);
  return t;
}

/** OBJECT IDENTIFIER content octets to dotted form, refusing truncated and non-minimal subidentifiers. */
export function decodeOid(b: Buffer): string {
  if (!b.length || b[b.length - 1] & 0x80) throw new DerError('truncated object identifier');
  const arcs: bigint[] = [];
  let v = 0n;
  let start = true;
  for (const byte of b) {
    if (start && byte === 0x80) throw new DerError('non-minimal object identifier');
    v = (v << 7n) | BigInt(byte & 0x7f);
    start = !(byte & 0x80);
    if (start) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs[0] < 40n ? [0n, arcs[0]] : arcs[0] < 80n ? [1n, arcs[0] - 40n] : [2n, arcs[0] - 80n];
  return [...first, ...arcs.slice(1)].join('.');
}

/** The single element a buffer must consist of (an extension value, a Name). */
export function wholeTlv(buf: Buffer, what: string): Tlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new DerError(`${what} has trailing bytes`);
  return t;
}

/** A DER BOOLEAN: one byte, 0x00 or 0xFF. */
export function derBoolean(buf: Buffer, t: Tlv): boolean {
  const c = content(buf, t);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new DerError('a BOOLEAN is not DER (one byte, 0x00 or 0xFF)');
  return c[0] === 0xff;
}

/**
 * A UTCTime or GeneralizedTime in the form RFC 5280 requires (Z, seconds, no fractions): `date` is
 * absent when the text is not in that form or names no real moment (31 April).
 */
export function decodeTime(buf: Buffer, t: Tlv | undefined, what: string): { text: string; tag: number; date?: Date } {
  if (!t || (t.tag !== 0x17 && t.tag !== 0x18)) throw new DerError(`${what} is not a UTCTime or GeneralizedTime`);
  const text = content(buf, t).toString('latin1');
  const m = t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return { text, tag: t.tag };
  const [, y, mo, d, h, mi, s] = m.map(Number);
  // RFC 5280 4.1.2.5.1: a two-digit year of 50 or more is 19YY.
  const year = t.tag === 0x17 ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  // Date.UTC rolls 31 April over into May: a field out of range does not survive the round trip.
  const ok = date.getUTCFullYear() === year && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi && date.getUTCSeconds() === s;
  return { text, tag: t.tag, ...(ok ? { date } : {}) };
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }, read strictly. */
export function certificateParts(der: Buffer): { tbs: Tlv; outerAlg: Tlv; sig: Tlv } {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new DerError('not a single DER SEQUENCE');
  const [tbs, outerAlg, sig, ...extra] = children(der, cert);
  expectTag(tbs, 0x30, 'tbsCertificate');
  expectTag(outerAlg, 0x30, 'signatureAlgorithm');
  expectTag(sig, 0x03, 'signatureValue');
  if (extra.length) throw new DerError('the Certificate has trailing fields');
  return { tbs, outerAlg, sig };
}
