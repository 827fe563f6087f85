import { createHash, hash, randomFillSync } from 'node:crypto';
import { children, content, readTlv } from './der.js';
import { bitString, boolean, explicit, headerLength, octetString, oid, sequence, smallInteger, tlv, time, timeLength, unsignedInteger, writeHeader, writeTime } from './derWriter.js';
import type { KeyType, SignatureAlgorithm } from './keys.js';
import { OID } from './oids.js';
import { encodeSans, ipToBytes, type San } from './san.js';
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

/**
 * What stays the same for every certificate one CA issues, encoded once: its name, the
 * AlgorithmIdentifier of its signatures and the authorityKeyIdentifier extension.
 */
export interface PreparedIssuer {
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly issuerDer: Buffer;
  readonly authorityKeyId?: Buffer;
  /** @internal DER AlgorithmIdentifier. */
  readonly algorithmIdentifierDer: Buffer;
  /** @internal DER Extension, absent without an authorityKeyId. */
  readonly authorityKeyIdExtensionDer?: Buffer;
}

/** The per-certificate fields when the issuer's part is prepared (see `prepareIssuer`). */
export type PreparedTbsInput = Omit<TbsInput, 'signatureAlgorithm' | 'issuerDer' | 'authorityKeyId'> & { issuer: PreparedIssuer };

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
  return createHash('sha1').update(content(spkiDer, keyBits).subarray(1)).digest();
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

/**
 * The TBSCertificate. With `issuer` (from `prepareIssuer`) the certificate is written into one
 * Buffer from pre-encoded parts: the path for issuing many certificates under one CA. Both forms
 * give the same bytes for the same fields.
 */
export function buildTbsCertificate(input: TbsInput | PreparedTbsInput): Buffer {
  if (input.notAfter <= input.notBefore) throw new Error('notAfter must be after notBefore');
  if ('issuer' in input) return writeTbs(input);
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

// ---------------------------------------------------------------------------------------------
// Single-buffer encoding (the issuing hot path)

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

/** Only what prepareIssuer made: its pre-encoded parts are copied into certificates unchecked. */
const PREPARED = new WeakSet<PreparedIssuer>();

/** Encodes once what every certificate issued by one CA shares. The Buffers given are copied. */
export function prepareIssuer(issuer: { signatureAlgorithm: SignatureAlgorithm; issuerDer: Buffer; authorityKeyId?: Buffer }): PreparedIssuer {
  const authorityKeyId = issuer.authorityKeyId && Buffer.from(issuer.authorityKeyId);
  const prepared: PreparedIssuer = Object.freeze({
    signatureAlgorithm: Object.freeze({ ...issuer.signatureAlgorithm }),
    issuerDer: Buffer.from(issuer.issuerDer),
    authorityKeyId,
    algorithmIdentifierDer: Buffer.from(cachedAlgorithmIdentifier(issuer.signatureAlgorithm)),
    authorityKeyIdExtensionDer: authorityKeyId && authorityKeyIdExtension(authorityKeyId),
  });
  PREPARED.add(prepared);
  return prepared;
}

const VERSION_V3 = explicit(0, smallInteger(2));
const BASIC_CONSTRAINTS_LEAF = extension(OID.basicConstraints, true, sequence());
const KEY_USAGE_RSA_LEAF = extension(OID.keyUsage, true, keyUsage([KU.digitalSignature, KU.keyEncipherment]));
const KEY_USAGE_LEAF = extension(OID.keyUsage, true, keyUsage([KU.digitalSignature]));
const KEY_USAGE_CA = extension(OID.keyUsage, true, keyUsage([KU.digitalSignature, KU.keyCertSign, KU.cRLSign]));
const EXT_KEY_USAGES = new Map<string, Buffer>();
/** Extension { subjectKeyIdentifier, OCTET STRING { OCTET STRING (20 bytes) } } up to the SHA-1 value. */
const SKI_PREFIX = extension(OID.subjectKeyIdentifier, false, octetString(Buffer.alloc(20))).subarray(0, -20);
const SAN_OID = oid(OID.subjectAltName);
const CRITICAL = boolean(true);

function extKeyUsageExtension(eku: ExtKeyUsageName[]): Buffer {
  const key = eku.join(',');
  let der = EXT_KEY_USAGES.get(key);
  if (!der) {
    der = extension(OID.extKeyUsage, false, sequence(...eku.map((e) => oid(OID[e]))));
    EXT_KEY_USAGES.set(key, der);
  }
  return der;
}

function subjectKeyIdExtension(spkiDer: Buffer): Buffer {
  const spki = readTlv(spkiDer, 0);
  const [, keyBits] = children(spkiDer, spki);
  const digest = hash('sha1', content(spkiDer, keyBits).subarray(1), 'buffer');
  const out = Buffer.allocUnsafe(SKI_PREFIX.length + digest.length);
  SKI_PREFIX.copy(out, 0);
  digest.copy(out, SKI_PREFIX.length);
  return out;
}

/** Extension { subjectAltName, [critical,] OCTET STRING { GeneralNames } }, as `extension(..., encodeSans(sans))`. */
function subjectAltNameExtension(sans: San[], critical: boolean): Buffer {
  const ips: Array<Buffer | undefined> = new Array(sans.length);
  let namesLength = 0;
  for (let i = 0; i < sans.length; i++) {
    const s = sans[i];
    let n: number;
    if (s.type === 'ip') {
      ips[i] = ipToBytes(s.value);
      n = ips[i]!.length;
    } else {
      n = s.value.length;
    }
    namesLength += headerLength(n) + n;
  }
  const seqLength = headerLength(namesLength) + namesLength;
  const octetsLength = headerLength(seqLength) + seqLength;
  const extLength = SAN_OID.length + (critical ? CRITICAL.length : 0) + octetsLength;
  const out = Buffer.allocUnsafe(headerLength(extLength) + extLength);
  let pos = writeHeader(out, 0, 0x30, extLength);
  pos += SAN_OID.copy(out, pos);
  if (critical) pos += CRITICAL.copy(out, pos);
  pos = writeHeader(out, pos, 0x04, seqLength);
  pos = writeHeader(out, pos, 0x30, namesLength);
  for (let i = 0; i < sans.length; i++) {
    const s = sans[i];
    const ip = ips[i];
    if (ip) {
      pos = writeHeader(out, pos, 0x87, ip.length);
      pos += ip.copy(out, pos);
    } else {
      pos = writeHeader(out, pos, s.type === 'dns' ? 0x82 : 0x81, s.value.length);
      pos += out.write(s.value, pos, 'latin1');
    }
  }
  if (pos !== out.length) throw new Error('internal error: subjectAltName length mismatch');
  return out;
}

function writeTbs(input: PreparedTbsInput): Buffer {
  const { issuer } = input;
  if (!PREPARED.has(issuer)) throw new TypeError('buildTbsCertificate: issuer must come from prepareIssuer()');
  const exts: Buffer[] = [];
  if (input.profile === 'ca') {
    const pathLen = input.pathLen === undefined ? [] : [smallInteger(input.pathLen)];
    exts.push(extension(OID.basicConstraints, true, sequence(boolean(true), ...pathLen)), KEY_USAGE_CA);
    if (input.nameConstraints && !isEmptyConstraints(input.nameConstraints)) exts.push(extension(OID.nameConstraints, true, encodeNameConstraints(input.nameConstraints)));
  } else {
    const usage = input.keyUsage ? extension(OID.keyUsage, true, keyUsage(input.keyUsage.map((u) => KU[u]))) : input.subjectKeyType.startsWith('RSA') ? KEY_USAGE_RSA_LEAF : KEY_USAGE_LEAF;
    exts.push(BASIC_CONSTRAINTS_LEAF, usage);
    const eku = input.extKeyUsage ?? ['serverAuth', 'clientAuth'];
    if (eku.length) exts.push(extKeyUsageExtension(eku));
  }
  exts.push(subjectKeyIdExtension(input.spkiDer));
  if (issuer.authorityKeyIdExtensionDer) exts.push(issuer.authorityKeyIdExtensionDer);
  if (input.revocation) exts.push(...revocationExtensions(input.revocation));
  if (input.sans?.length) exts.push(subjectAltNameExtension(input.sans, input.subjectDer.length === 2));

  let extsLength = 0;
  for (const e of exts) extsLength += e.length;
  const extsSeqLength = headerLength(extsLength) + extsLength;

  // The serial as unsignedInteger() writes it: leading zeros dropped, one 0 before a high bit.
  const serial = input.serial;
  let s = 0;
  while (s < serial.length - 1 && serial[s] === 0) s++;
  const serialMagnitude = serial.length - s;
  const serialPad = serialMagnitude === 0 || serial[s] & 0x80 ? 1 : 0;
  const serialLength = serialMagnitude + serialPad;

  const validityLength = timeLength(input.notBefore) + timeLength(input.notAfter);
  const length =
    VERSION_V3.length +
    headerLength(serialLength) + serialLength +
    issuer.algorithmIdentifierDer.length +
    issuer.issuerDer.length +
    headerLength(validityLength) + validityLength +
    input.subjectDer.length +
    input.spkiDer.length +
    headerLength(extsSeqLength) + extsSeqLength;

  const out = Buffer.allocUnsafe(headerLength(length) + length);
  let pos = writeHeader(out, 0, 0x30, length);
  pos += VERSION_V3.copy(out, pos);
  pos = writeHeader(out, pos, 0x02, serialLength);
  if (serialPad) out[pos++] = 0;
  pos += serial.copy(out, pos, s);
  pos += issuer.algorithmIdentifierDer.copy(out, pos);
  pos += issuer.issuerDer.copy(out, pos);
  pos = writeHeader(out, pos, 0x30, validityLength);
  pos = writeTime(out, pos, input.notBefore);
  pos = writeTime(out, pos, input.notAfter);
  pos += input.subjectDer.copy(out, pos);
  pos += input.spkiDer.copy(out, pos);
  pos = writeHeader(out, pos, 0xa3, extsSeqLength);
  pos = writeHeader(out, pos, 0x30, extsLength);
  for (const e of exts) pos += e.copy(out, pos);
  // Every byte of the unzeroed Buffer must have been written.
  if (pos !== out.length) throw new Error('internal error: TBSCertificate length mismatch');
  return out;
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
