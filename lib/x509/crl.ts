/**
 * Certificate revocation lists (RFC 5280 §5), built from byte buffers like certificates are.
 * Pure: no keys, no I/O. The worker builds the TBSCertList, signs it with the CA key exactly as it
 * signs a TBSCertificate, and `assembleCrl` wraps the signature.
 */
import { bitString, explicit, sequence, smallInteger, tlv, time, unsignedInteger } from './derWriter.js';
import type { SignatureAlgorithm } from './keys.js';
import { OID } from './oids.js';
import { algorithmIdentifier, extension } from './fields.js';

/** CRLReason (RFC 5280 §5.3.1). 7 is not used. */
export const REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type ReasonCode = keyof typeof REASON_CODES;

export const REASON_NAMES: readonly ReasonCode[] = Object.keys(REASON_CODES) as ReasonCode[];

export const isReasonCode = (v: unknown): v is ReasonCode => typeof v === 'string' && Object.prototype.hasOwnProperty.call(REASON_CODES, v);

/** Object identifiers of CRLs and revocation (the shared ones are in oids.ts). */
export const CRL_OID = {
  cRLNumber: '2.5.29.20',
  reasonCode: '2.5.29.21',
  issuingDistributionPoint: '2.5.29.28',
  cRLDistributionPoints: '2.5.29.31',
} as const;

export interface RevokedEntry {
  /** The certificate's serial as hex: any case, optional colons, leading zero bytes ignored. */
  serialHex: string;
  revokedAt: Date;
  /** Omitted or 'unspecified': no reasonCode entry extension (RFC 5280 §5.3.1 SHOULD). */
  reason?: ReasonCode;
}

export interface TbsCrlInput {
  signatureAlgorithm: SignatureAlgorithm;
  /** The CA's subject Name, DER, copied verbatim (it must match the CA certificate byte for byte). */
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date;
  /** Monotonically increasing per CA; non-negative, at most 20 octets (RFC 5280 §5.2.3). */
  crlNumber: bigint;
  /** The CA's subjectKeyIdentifier. */
  authorityKeyId: Buffer;
  revoked: readonly RevokedEntry[];
  /** Where this CRL is published; adds a critical issuingDistributionPoint with this fullName. */
  issuingDistributionPointUri?: string;
}

/**
 * A serial in hex as its DER-minimal, positive magnitude, lowercase, without separators: the one
 * form to compare serials in (the store holds both `00ab…` from newSerial and `AB…` from Node).
 */
export function normaliseSerialHex(serialHex: string): string {
  if (typeof serialHex !== 'string') throw new TypeError('serial must be a hex string');
  let hex = serialHex.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new TypeError(`not a hex serial: ${JSON.stringify(serialHex)}`);
  if (hex.length % 2) hex = `0${hex}`;
  hex = hex.replace(/^(00)+/, '');
  return hex.length ? hex : '00';
}

/** INTEGER for a serial given in hex (positive; a leading zero byte is added when the high bit is set). */
export function serialInteger(serialHex: string): Buffer {
  const magnitude = Buffer.from(normaliseSerialHex(serialHex), 'hex');
  if (magnitude.length > 20) throw new RangeError(`serial ${serialHex} is longer than 20 octets`);
  return unsignedInteger(magnitude);
}

function bigintMagnitude(n: bigint): Buffer {
  if (n < 0n) throw new RangeError('CRL number must not be negative');
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

const ENUMERATED = (n: number) => tlv(0x0a, Buffer.from([n]));

function assertDate(d: Date, what: string): void {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${what} must be a valid Date`);
}

/** GeneralNames with one uniformResourceIdentifier, as the fullName [0] of a DistributionPointName. */
function fullNameUri(uri: string): Buffer {
  if (typeof uri !== 'string' || !/^[\x21-\x7e]+$/.test(uri) || !/^[a-z][a-z0-9+.-]*:/i.test(uri)) throw new TypeError(`not an ASCII URI: ${JSON.stringify(uri)}`);
  // distributionPoint [0] DistributionPointName (a CHOICE, so explicitly tagged) { fullName [0] IMPLICIT GeneralNames { [6] IA5String } }
  return explicit(0, explicit(0, tlv(0x86, Buffer.from(uri, 'ascii'))));
}

/** The `cRLDistributionPoints` certificate extension (2.5.29.31, non-critical) with one fullName URI. */
export function crlDistributionPointsExtension(uri: string): Buffer {
  return extension(CRL_OID.cRLDistributionPoints, false, sequence(sequence(fullNameUri(uri))));
}

function revokedEntry(e: RevokedEntry): Buffer {
  assertDate(e.revokedAt, 'revokedAt');
  if (e.reason !== undefined && !isReasonCode(e.reason)) throw new TypeError(`unknown revocation reason: ${String(e.reason)}`);
  const exts = e.reason && e.reason !== 'unspecified' ? [sequence(extension(CRL_OID.reasonCode, false, ENUMERATED(REASON_CODES[e.reason])))] : [];
  return sequence(serialInteger(e.serialHex), time(e.revokedAt), ...exts);
}

/**
 * TBSCertList (v2). Entries keep the order given; a serial given twice is refused. An empty list
 * omits `revokedCertificates` altogether (RFC 5280 §5.1.2.6).
 */
export function buildTbsCrl(input: TbsCrlInput): Buffer {
  assertDate(input.thisUpdate, 'thisUpdate');
  assertDate(input.nextUpdate, 'nextUpdate');
  if (input.nextUpdate <= input.thisUpdate) throw new RangeError('nextUpdate must be after thisUpdate');
  if (typeof input.crlNumber !== 'bigint') throw new TypeError('crlNumber must be a bigint');
  const crlNumber = bigintMagnitude(input.crlNumber);
  if (crlNumber.length > 20) throw new RangeError('CRL number is longer than 20 octets');
  if (!Buffer.isBuffer(input.authorityKeyId) || input.authorityKeyId.length === 0) throw new TypeError('authorityKeyId is required');

  const seen = new Set<string>();
  for (const e of input.revoked) {
    const s = normaliseSerialHex(e.serialHex);
    if (seen.has(s)) throw new RangeError(`serial ${s} is listed twice`);
    seen.add(s);
  }

  const exts = [
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, input.authorityKeyId))),
    extension(CRL_OID.cRLNumber, false, unsignedInteger(crlNumber)),
  ];
  if (input.issuingDistributionPointUri !== undefined) {
    exts.push(extension(CRL_OID.issuingDistributionPoint, true, sequence(fullNameUri(input.issuingDistributionPointUri))));
  }
  const revoked = input.revoked.length ? [sequence(...input.revoked.map(revokedEntry))] : [];
  return sequence(
    smallInteger(1), // v2
    algorithmIdentifier(input.signatureAlgorithm),
    input.issuerDer,
    time(input.thisUpdate),
    time(input.nextUpdate),
    ...revoked,
    explicit(0, sequence(...exts)),
  );
}

/** CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }. */
export function assembleCrl(tbsDer: Buffer, alg: SignatureAlgorithm, signature: Buffer): Buffer {
  return sequence(tbsDer, algorithmIdentifier(alg), bitString(signature));
}
