import { hash, randomFillSync } from 'node:crypto';
import { children, content, readTlv } from './der.js';
import { bitString, boolean, explicit, headerLength, octetString, oid, sequence, smallInteger, tlv, time, unsignedInteger, writeHeader } from './derWriter.js';
import type { KeyType, SignatureAlgorithm } from './keys.js';
import { OID } from './oids.js';
import { encodeSans, type San } from './san.js';
import { crlDistributionPointsExtension } from './crl.js';
import { algorithmIdentifier, extension } from './fields.js';
import { encodeNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';

export { algorithmIdentifier } from './fields.js';

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
  extKeyUsage?: ExtKeyUsageName[];
  /** Leaf key usages; default: digitalSignature, plus keyEncipherment for RSA keys. */
  keyUsage?: LeafKeyUsage[];
  /** CA certificates: the names it and its subordinates may certify (critical extension). */
  nameConstraints?: NameConstraints;
  /** Where relying parties find the issuer's CRL (cRLDistributionPoints) and its OCSP responder (authorityInfoAccess). */
  revocation?: { crlUrl: string; ocspUrl: string };
}

export type ExtKeyUsageName = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection';
export type LeafKeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyAgreement';

// ---------------------------------------------------------------------------------------------
// Serials

const SERIAL_POOL = Buffer.allocUnsafe(16 * 256);
let serialPos = SERIAL_POOL.length;

/**
 * 128 bits from the CSPRNG as a positive, DER-minimal INTEGER magnitude (at most 17 bytes).
 * The CSPRNG is read 4 KiB at a time (one call per 256 serials); each serial's bytes are copied
 * out and used once. Serials are public, so a pool in memory exposes nothing.
 */
export function newSerial(): Buffer {
  if (serialPos === SERIAL_POOL.length) {
    randomFillSync(SERIAL_POOL);
    serialPos = 0;
  }
  let i = serialPos;
  const end = serialPos + 16;
  serialPos = end;
  while (i < end - 1 && SERIAL_POOL[i] === 0) i++;
  const pad = SERIAL_POOL[i] & 0x80 ? 1 : 0;
  const out = Buffer.allocUnsafe(end - i + pad);
  if (pad) out[0] = 0;
  SERIAL_POOL.copy(out, pad, i, end);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Composed encoding (the reference: every element a Buffer)

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function subjectKeyIdentifier(spkiDer: Buffer): Buffer {
  const spki = readTlv(spkiDer, 0);
  const [, keyBits] = children(spkiDer, spki);
  return hash('sha1', content(spkiDer, keyBits).subarray(1), 'buffer');
}

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

const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 };

/** cRLDistributionPoints and authorityInfoAccess (OCSP), both non-critical. */
function revocationExtensions(r: { crlUrl: string; ocspUrl: string }): Buffer[] {
  const aia = extension(OID.authorityInfoAccess, false, sequence(sequence(oid(OID.ocsp), tlv(0x86, Buffer.from(r.ocspUrl, 'ascii')))));
  return [crlDistributionPointsExtension(r.crlUrl), aia];
}

const authorityKeyIdExtension = (aki: Buffer) => extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, aki)));

function extensions(input: TbsInput): Buffer {
  const ski = subjectKeyIdentifier(input.spkiDer);
  const exts: Buffer[] = [];
  if (input.profile === 'ca') {
    const pathLen = input.pathLen === undefined ? [] : [smallInteger(input.pathLen)];
    exts.push(extension(OID.basicConstraints, true, sequence(boolean(true), ...pathLen)));
    exts.push(extension(OID.keyUsage, true, keyUsage([KU.digitalSignature, KU.keyCertSign, KU.cRLSign])));
    if (input.nameConstraints && !isEmptyConstraints(input.nameConstraints)) exts.push(extension(OID.nameConstraints, true, encodeNameConstraints(input.nameConstraints)));
  } else {
    exts.push(extension(OID.basicConstraints, true, sequence()));
    const usage = input.keyUsage ? input.keyUsage.map((u) => KU[u]) : input.subjectKeyType.startsWith('RSA') ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
    exts.push(extension(OID.keyUsage, true, keyUsage(usage)));
    const eku = input.extKeyUsage ?? ['serverAuth', 'clientAuth'];
    if (eku.length) exts.push(extension(OID.extKeyUsage, false, sequence(...eku.map((e) => oid(OID[e])))));
  }
  exts.push(extension(OID.subjectKeyIdentifier, false, octetString(ski)));
  if (input.authorityKeyId) exts.push(authorityKeyIdExtension(input.authorityKeyId));
  if (input.revocation) exts.push(...revocationExtensions(input.revocation));
  if (input.sans?.length) {
    // An empty subject makes the names the only identity: then the extension is critical (RFC 5280 4.2.1.6).
    const emptySubject = input.subjectDer.length === 2;
    exts.push(extension(OID.subjectAltName, emptySubject, encodeSans(input.sans)));
  }
  return explicit(3, sequence(...exts));
}

/** The TBSCertificate, composed element by element (lib/ca signs it, after linting it). */
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

const ALGORITHM_IDS = new Map<string, Buffer>();

/** `algorithmIdentifier(alg)`, encoded once per algorithm; do not modify the Buffer. */
function cachedAlgorithmIdentifier(alg: SignatureAlgorithm): Buffer {
  let der = ALGORITHM_IDS.get(alg.oid);
  if (!der) {
    der = algorithmIdentifier(alg);
    ALGORITHM_IDS.set(alg.oid, der);
  }
  return der;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }, in one Buffer. */
export function assembleCertificate(tbsDer: Buffer, alg: SignatureAlgorithm, signature: Buffer): Buffer {
  const algId = cachedAlgorithmIdentifier(alg);
  const bitsLength = signature.length + 1;
  const length = tbsDer.length + algId.length + headerLength(bitsLength) + bitsLength;
  const out = Buffer.allocUnsafe(headerLength(length) + length);
  let pos = writeHeader(out, 0, 0x30, length);
  pos += tbsDer.copy(out, pos);
  pos += algId.copy(out, pos);
  pos = writeHeader(out, pos, 0x03, bitsLength);
  out[pos++] = 0;
  pos += signature.copy(out, pos);
  if (pos !== out.length) throw new Error('internal error: Certificate length mismatch');
  return out;
}
