/*
 * The few DER pieces the token driver needs (SubjectPublicKeyInfo, ECDSA-Sig-Value, CKA_EC_POINT),
 * kept here so the driver does not depend on lib/x509's certificate writer.
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
export const bitString = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
export const nullValue = () => Buffer.from([0x05, 0x00]);

/** A non-negative INTEGER from big-endian magnitude bytes, DER-minimal. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if (b.length === 0) b = Buffer.from([0]);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

/** Encoded OBJECT IDENTIFIERs (tag and length included). */
export const OIDS = {
  rsaEncryption: Buffer.from('06092a864886f70d010101', 'hex'),
  ecPublicKey: Buffer.from('06072a8648ce3d0201', 'hex'),
  prime256v1: Buffer.from('06082a8648ce3d030107', 'hex'),
  secp384r1: Buffer.from('06052b81040022', 'hex'),
  ed25519: Buffer.from('06032b6570', 'hex'),
} as const;

/** The content of a single DER element with that tag spanning all of `der` (short or long form length). */
export function unwrap(der: Buffer, tag: number): Buffer | undefined {
  if (der.length < 2 || der[0] !== tag) return undefined;
  let len = der[1];
  let pos = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || der.length < 2 + n) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    pos += n;
  }
  return pos + len === der.length ? der.subarray(pos) : undefined;
}
