import forge from 'node-forge';

/**
 * A minimal DER writer. Certificates are assembled from byte buffers so that embedded parts
 * (the CSR's subject and public key) are copied verbatim, never decoded and re-encoded.
 */
function header(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([header(tag, body.length), body]);
};

export const sequence = (...parts: Buffer[]) => tlv(0x30, ...parts);
export const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
export const explicit = (n: number, ...parts: Buffer[]) => tlv(0xa0 + n, ...parts);
export const octetString = (b: Buffer) => tlv(0x04, b);
export const bitString = (b: Buffer, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), b);
export const nullValue = () => Buffer.from([0x05, 0x00]);
export const boolean = (v: boolean) => Buffer.from([0x01, 0x01, v ? 0xff : 0x00]);
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printableString = (s: string) => tlv(0x13, Buffer.from(s, 'ascii'));
export const ia5String = (s: string) => tlv(0x16, Buffer.from(s, 'ascii'));
export const oid = (dotted: string) => tlv(0x06, Buffer.from(forge.asn1.oidToDer(dotted).getBytes(), 'binary'));

/** A non-negative INTEGER from big-endian magnitude bytes, DER-minimal. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if (b.length === 0) b = Buffer.from([0]);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

/** 0..255, enough for versions and path lengths. */
export const smallInteger = (n: number) => unsignedInteger(Buffer.from([n]));

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. Seconds, Zulu. */
export function time(d: Date): Buffer {
  const iso = d.toISOString();
  const y = d.getUTCFullYear();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  if (y >= 1950 && y <= 2049) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
