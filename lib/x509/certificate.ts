import { createHash, randomBytes } from 'node:crypto';
import { children, content, readTlv } from './der.js';
import { bitString, boolean, explicit, nullValue, octetString, oid, sequence, smallInteger, tlv, time, unsignedInteger } from './derWriter.js';
import type { KeyType, SignatureAlgorithm } from './keys.js';
import { OID } from './oids.js';
import { encodeSans, type San } from './san.js';

export interface TbsInput {
  serial: Buffer;
  signatureAlgorithm: SignatureAlgorithm;
  issuerDer: Buffer;
  subjectDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  profile: 'ca' | 'leaf';
  pathLen?: number;
  subjectKeyType: KeyType;
  authorityKeyId?: Buffer;
  sans?: San[];
  extKeyUsage?: Array<'serverAuth' | 'clientAuth'>;
}

/** 128 bits from the CSPRNG as a positive, DER-minimal INTEGER magnitude (at most 17 bytes). */
export function newSerial(): Buffer {
  let b = randomBytes(16);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  return b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : Buffer.from(b);
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function subjectKeyIdentifier(spkiDer: Buffer): Buffer {
  const spki = readTlv(spkiDer, 0);
  const [, keyBits] = children(spkiDer, spki);
  return createHash('sha1').update(content(spkiDer, keyBits).subarray(1)).digest();
}

/** AlgorithmIdentifier: RSA takes explicit NULL parameters, ECDSA and Ed25519 none (RFC 4055, 5758, 8410). */
export function algorithmIdentifier(alg: SignatureAlgorithm): Buffer {
  return alg.oid.startsWith('1.2.840.113549.1.1.') ? sequence(oid(alg.oid), nullValue()) : sequence(oid(alg.oid));
}

const extension = (extOid: string, critical: boolean, value: Buffer) =>
  sequence(oid(extOid), ...(critical ? [boolean(true)] : []), octetString(value));

/** KeyUsage bits (RFC 5280 4.2.1.3), bit 0 the most significant, as a DER BIT STRING with minimal unused bits. */
function keyUsage(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 1 << (15 - b);
  const bytes = v & 0xff ? Buffer.from([v >> 8, v & 0xff]) : Buffer.from([v >> 8]);
  const last = bytes[bytes.length - 1];
  let unused = 0;
  while (unused < 7 && !(last & (1 << unused))) unused++;
  return bitString(bytes, unused);
}

const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };

function extensions(input: TbsInput): Buffer {
  const ski = subjectKeyIdentifier(input.spkiDer);
  const exts: Buffer[] = [];
  if (input.profile === 'ca') {
    const pathLen = input.pathLen === undefined ? [] : [smallInteger(input.pathLen)];
    exts.push(extension(OID.basicConstraints, true, sequence(boolean(true), ...pathLen)));
    exts.push(extension(OID.keyUsage, true, keyUsage([KU.digitalSignature, KU.keyCertSign, KU.cRLSign])));
  } else {
    exts.push(extension(OID.basicConstraints, true, sequence()));
    const usage = input.subjectKeyType.startsWith('RSA') ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
    exts.push(extension(OID.keyUsage, true, keyUsage(usage)));
    const eku = input.extKeyUsage ?? ['serverAuth', 'clientAuth'];
    if (eku.length) exts.push(extension(OID.extKeyUsage, false, sequence(...eku.map((e) => oid(OID[e])))));
  }
  exts.push(extension(OID.subjectKeyIdentifier, false, octetString(ski)));
  if (input.authorityKeyId) exts.push(extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, input.authorityKeyId))));
  if (input.sans?.length) {
    // An empty subject makes the names the only identity: then the extension is critical (RFC 5280 4.2.1.6).
    const emptySubject = input.subjectDer.length === 2;
    exts.push(extension(OID.subjectAltName, emptySubject, encodeSans(input.sans)));
  }
  return explicit(3, sequence(...exts));
}

export function buildTbsCertificate(input: TbsInput): Buffer {
  if (input.notAfter <= input.notBefore) throw new Error('notAfter must be after notBefore');
  return sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(input.serial),
    algorithmIdentifier(input.signatureAlgorithm),
    input.issuerDer,
    sequence(time(input.notBefore), time(input.notAfter)),
    input.subjectDer,
    input.spkiDer,
    extensions(input),
  );
}

export function assembleCertificate(tbsDer: Buffer, alg: SignatureAlgorithm, signature: Buffer): Buffer {
  return sequence(tbsDer, algorithmIdentifier(alg), bitString(signature));
}
