/**
 * A minimal DER writer. Certificates are assembled from byte buffers so that embedded parts
 * (the CSR's subject and public key) are copied verbatim, never decoded and re-encoded.
 *
 * Two layers: composing helpers (`tlv`, `sequence`, ...) that return a fresh Buffer per element,
 * and the low-level `headerLength` / `writeHeader` used by the single-buffer
 * writers of the issuing hot path (certificate.ts), which produce the same bytes.
 */

/** Bytes taken by the tag and the (minimal, definite) length of an element of `length` content bytes. */
export function headerLength(length: number): number {
  if (length < 0x80) return 2;
  if (length < 0x100) return 3;
  if (length < 0x10000) return 4;
  if (length < 0x1000000) return 5;
  return 6;
}

/** Writes tag and minimal length at `pos`; returns the position of the first content byte. */
export function writeHeader(buf: Buffer, pos: number, tag: number, length: number): number {
  buf[pos++] = tag;
  if (length < 0x80) {
    buf[pos++] = length;
    return pos;
  }
  const n = headerLength(length) - 2;
  buf[pos++] = 0x80 | n;
  for (let i = n - 1; i >= 0; i--) buf[pos++] = (length / 2 ** (8 * i)) & 0xff;
  return pos;
}

export const tlv = (tag: number, ...parts: Buffer[]) => {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(headerLength(length) + length);
  let pos = writeHeader(out, 0, tag, length);
  for (const p of parts) pos += p.copy(out, pos);
  return out;
};

export const sequence = (...parts: Buffer[]) => tlv(0x30, ...parts);
export const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
export const explicit = (n: number, ...parts: Buffer[]) => tlv(0xa0 + n, ...parts);
export const octetString = (b: Buffer) => tlv(0x04, b);
export const bitString = (b: Buffer, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), b);
export const nullValue = () => Buffer.from([0x05, 0x00]);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);
const FALSE = Buffer.from([0x01, 0x01, 0x00]);
/** The same Buffer each call (the composing helpers copy it; never modify it). */
export const boolean = (v: boolean) => (v ? TRUE : FALSE);
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printableString = (s: string) => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5String = (s: string) => tlv(0x16, Buffer.from(s, 'ascii'));

const OID_CACHE = new Map<string, Buffer>();

/** The content octets of an OBJECT IDENTIFIER (X.690 8.19): 40·a+b, then base-128 arcs. */
export function oidContent(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new Error(`not an object identifier: ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n)) throw new Error(`not an object identifier: ${dotted}`);
  const bytes: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const group = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...group);
  }
  return Buffer.from(bytes);
}

/** OBJECT IDENTIFIER element, encoded once per OID: the same Buffer each call (the composing helpers copy it; never modify it). */
export const oid = (dotted: string) => {
  let der = OID_CACHE.get(dotted);
  if (!der) {
    der = tlv(0x06, oidContent(dotted));
    OID_CACHE.set(dotted, der);
  }
  return der;
};

/** A non-negative INTEGER from big-endian magnitude bytes, DER-minimal. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const length = magnitude.length - i;
  if (length === 0) return Buffer.from([0x02, 0x01, 0x00]);
  const pad = magnitude[i] & 0x80 ? 1 : 0;
  const out = Buffer.allocUnsafe(headerLength(length + pad) + length + pad);
  let pos = writeHeader(out, 0, 0x02, length + pad);
  if (pad) out[pos++] = 0;
  magnitude.copy(out, pos, i);
  return out;
}

/** 0..255, enough for versions and path lengths. */
export const smallInteger = (n: number) => unsignedInteger(Buffer.from([n]));


/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. Seconds, Zulu. Written digit by digit: it is on every certificate's path. */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999)) throw new Error(`a time in the year ${y} has no DER form here`);
  const utc = y >= 1950 && y <= 2049;
  const length = utc ? 13 : 15;
  const out = Buffer.allocUnsafe(2 + length);
  out[0] = utc ? 0x17 : 0x18;
  out[1] = length;
  let pos = utc ? 2 : twoDigits(out, 2, Math.floor(y / 100));
  pos = twoDigits(out, pos, y % 100);
  pos = twoDigits(out, pos, d.getUTCMonth() + 1);
  pos = twoDigits(out, pos, d.getUTCDate());
  pos = twoDigits(out, pos, d.getUTCHours());
  pos = twoDigits(out, pos, d.getUTCMinutes());
  pos = twoDigits(out, pos, d.getUTCSeconds());
  out[pos] = 0x5a; // Z
  return out;
}

function twoDigits(out: Buffer, pos: number, v: number): number {
  out[pos] = 0x30 + Math.floor(v / 10);
  out[pos + 1] = 0x30 + (v % 10);
  return pos + 2;
}
