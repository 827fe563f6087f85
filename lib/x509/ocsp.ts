/**
 * OCSP (RFC 6960) in DER: parse a request, build a signed BasicOCSPResponse, and the unsigned
 * error responses. Pure: signing is a callback, nothing here touches a key or the network.
 *
 * The product's design: the API holds no CA key, so responses are pre-signed by the worker, one
 * per certificate (`certIdFor` + `buildBasicOcspResponse` with one response), and the API serves
 * the stored bytes for the CertID it parsed from the request (`certIdKey` to look them up). A
 * pre-signed response cannot carry the request's nonce (RFC 5019 §2.2.1 allows omitting it).
 */
import { createHash } from 'node:crypto';
import { AppError } from '../errors/index.js';
import { algorithmIdentifier } from './fields.js';
import { normaliseSerialHex, REASON_CODES, serialInteger, isReasonCode, type ReasonCode } from './crl.js';
import { children, content, DerError, readTlv, slice, type Tlv } from './der.js';
import { bitString, explicit, nullValue, octetString, oid, sequence, tlv } from './derWriter.js';
import type { SignatureAlgorithm } from './keys.js';

export const OCSP_OID = {
  basic: '1.3.6.1.5.5.7.48.1.1',
  nonce: '1.3.6.1.5.5.7.48.1.2',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** The media types of RFC 6960 Appendix C. */
export const OCSP_REQUEST_CONTENT_TYPE = 'application/ocsp-request';
export const OCSP_RESPONSE_CONTENT_TYPE = 'application/ocsp-response';

/** Requests are a few hundred bytes; anything much larger is not one we answer. */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;
/** Certificates asked about in one request; RFC 5019 clients ask about one. */
export const MAX_OCSP_REQUEST_CERTS = 32;

export type OcspHashAlgorithm = 'sha1' | 'sha256';

export interface CertId {
  /** Dotted OID of the hash over the issuer's name and key (SHA-1 1.3.14.3.2.26, SHA-256 2.16.840.1.101.3.4.2.1). */
  hashAlgorithmOid: string;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** As `normaliseSerialHex` gives it: lowercase, minimal, no separators. */
  serialHex: string;
}

export interface ParsedOcspRequest {
  certIds: CertId[];
  /**
   * The nonce extension's extnValue octets, verbatim (by RFC 8954 a DER OCTET STRING holding
   * 1..32 octets): `buildBasicOcspResponse({ nonce })` echoes them back unchanged.
   */
  nonce?: Buffer;
}

export type OcspCertStatus = 'good' | 'unknown' | { revokedAt: Date; reason?: ReasonCode };

export interface SingleResponseInput {
  certId: CertId;
  status: OcspCertStatus;
  thisUpdate: Date;
  /** Omitted: "newer information is always available" (RFC 6960 §2.4); pre-signed responses need it. */
  nextUpdate?: Date;
}

export interface OcspResponseDataInput {
  /** SHA-1 of the responder certificate's subjectPublicKey (its subjectKeyIdentifier by method 1): ResponderID byKey. */
  responderKeyHash: Buffer;
  producedAt: Date;
  responses: readonly SingleResponseInput[];
  /** As `parseOcspRequest` returned it; echoed back in responseExtensions. */
  nonce?: Buffer;
}

export interface BasicOcspResponseInput extends OcspResponseDataInput {
  signatureAlgorithm: SignatureAlgorithm;
  /** Signs the ResponseData bytes, as for a TBSCertificate (ECDSA signatures DER-encoded, node's default). */
  sign: (tbs: Buffer) => Buffer | Promise<Buffer>;
  /** DER certificates for the `certs` field: the responder's certificate (a delegated responder's, or the CA's own). */
  certs?: readonly Buffer[];
}

export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'unauthorized';

const ERROR_STATUSES: readonly string[] = ['malformedRequest', 'internalError', 'tryLater', 'unauthorized'] satisfies OcspErrorStatus[];
const RESPONSE_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

const HASH_OIDS: Record<OcspHashAlgorithm, string> = { sha1: OCSP_OID.sha1, sha256: OCSP_OID.sha256 };
const HASH_LENGTHS: Record<string, number> = { [OCSP_OID.sha1]: 20, [OCSP_OID.sha256]: 32, '2.16.840.1.101.3.4.2.2': 48, '2.16.840.1.101.3.4.2.3': 64 };

// ---------------------------------------------------------------------------------------------
// Reading

const malformed = (why: string) => new AppError('OCSP_REQUEST_MALFORMED', 400, `The OCSP request could not be parsed: ${why}.`);

class Malformed extends Error {}
const fail = (why: string): never => {
  throw new Malformed(why);
};

function need(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) return fail(`${what} is missing`);
  if (t.tag !== tag) return fail(`${what} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

/** Dotted form of OBJECT IDENTIFIER content octets (X.690 8.19), DER-minimal arcs only. */
function decodeOid(b: Buffer): string {
  if (b.length === 0) fail('empty object identifier');
  const arcs: bigint[] = [];
  let v = 0n;
  let start = true;
  for (let i = 0; i < b.length; i++) {
    if (start && b[i] === 0x80) fail('non-minimal object identifier');
    v = (v << 7n) | BigInt(b[i] & 0x7f);
    start = !(b[i] & 0x80);
    if (start) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (!start) fail('truncated object identifier');
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

const oidAt = (buf: Buffer, t: Tlv | undefined, what: string) => decodeOid(content(buf, need(t, 0x06, what)));

/** A positive, DER-minimal INTEGER's magnitude as normalised hex. */
function serialAt(buf: Buffer, t: Tlv | undefined): string {
  const c = content(buf, need(t, 0x02, 'serialNumber'));
  if (c.length === 0) fail('serialNumber is empty');
  if (c.length > 1 && ((c[0] === 0 && !(c[1] & 0x80)) || (c[0] === 0xff && c[1] & 0x80))) fail('serialNumber is not DER-minimal');
  if (c[0] & 0x80) fail('serialNumber is negative');
  if (c.length > 21) fail('serialNumber is longer than 20 octets');
  return normaliseSerialHex(c.toString('hex'));
}

function readCertId(buf: Buffer, t: Tlv | undefined): CertId {
  const f = children(buf, need(t, 0x30, 'CertID'));
  if (f.length !== 4) fail('CertID must have four fields');
  const alg = children(buf, need(f[0], 0x30, 'hashAlgorithm'));
  const hashAlgorithmOid = oidAt(buf, alg[0], 'hashAlgorithm');
  if (alg.length > 2 || (alg.length === 2 && !(alg[1].tag === 0x05 && alg[1].end === alg[1].contentStart))) fail('hashAlgorithm parameters must be absent or NULL');
  const issuerNameHash = Buffer.from(content(buf, need(f[1], 0x04, 'issuerNameHash')));
  const issuerKeyHash = Buffer.from(content(buf, need(f[2], 0x04, 'issuerKeyHash')));
  const expected = HASH_LENGTHS[hashAlgorithmOid];
  if (expected !== undefined && (issuerNameHash.length !== expected || issuerKeyHash.length !== expected)) fail('issuer hashes do not match the hash algorithm');
  if (issuerNameHash.length === 0 || issuerNameHash.length > 64 || issuerKeyHash.length === 0 || issuerKeyHash.length > 64) fail('issuer hash of an implausible size');
  return { hashAlgorithmOid, issuerNameHash, issuerKeyHash, serialHex: serialAt(buf, f[3]) };
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, as [oid, critical, extnValue content]. */
function readExtensions(buf: Buffer, t: Tlv): Array<{ oid: string; critical: boolean; value: Buffer }> {
  const list = children(buf, need(t, 0x30, 'Extensions'));
  if (!list.length) fail('empty Extensions');
  const seen = new Set<string>();
  return list.map((e) => {
    const f = children(buf, need(e, 0x30, 'Extension'));
    const extOid = oidAt(buf, f[0], 'extnID');
    if (seen.has(extOid)) fail(`extension ${extOid} appears twice`);
    seen.add(extOid);
    let i = 1;
    let critical = false;
    if (f[i]?.tag === 0x01) {
      const b = content(buf, f[i++]);
      if (b.length !== 1 || (b[0] !== 0 && b[0] !== 0xff)) fail('critical is not a DER BOOLEAN');
      critical = b[0] === 0xff;
    }
    const value = content(buf, need(f[i++], 0x04, 'extnValue'));
    if (i !== f.length) fail('Extension has extra fields');
    return { oid: extOid, critical, value: Buffer.from(value) };
  });
}

/** RFC 8954: the nonce is an OCTET STRING of 1..32 octets; an unwrapped legacy nonce is taken up to 32 octets. */
function checkNonce(value: Buffer): Buffer {
  if (value.length === 0) fail('empty nonce');
  if (value[0] === 0x04) {
    try {
      const t = readTlv(value, 0);
      if (t.end === value.length) {
        const n = t.end - t.contentStart;
        if (n < 1 || n > 32) fail('nonce must be 1 to 32 octets (RFC 8954)');
        return value;
      }
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
    }
  }
  if (value.length > 32) fail('nonce must be 1 to 32 octets (RFC 8954)');
  return value;
}

/**
 * Parses an OCSPRequest (the POST body, or the GET path decoded by `ocspRequestFromGetPath`).
 * A signature on the request is neither required nor checked. Throws AppError
 * OCSP_REQUEST_MALFORMED (400): the API then answers `ocspErrorResponse('malformedRequest')`.
 */
export function parseOcspRequest(der: Buffer): ParsedOcspRequest {
  if (!Buffer.isBuffer(der) || der.length === 0) throw malformed('empty request');
  if (der.length > MAX_OCSP_REQUEST_BYTES) throw malformed(`larger than ${MAX_OCSP_REQUEST_BYTES} bytes`);
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== 0x30 || outer.end !== der.length) fail('not a single DER SEQUENCE');
    const top = children(der, outer);
    if (top.length < 1 || top.length > 2 || (top.length === 2 && top[1].tag !== 0xa0)) fail('OCSPRequest must be tbsRequest and an optional [0] signature');
    const tbs = children(der, need(top[0], 0x30, 'tbsRequest'));
    let i = 0;
    if (tbs[i]?.tag === 0xa0) {
      const [v, ...rest] = children(der, tbs[i++]);
      const vc = content(der, need(v, 0x02, 'version'));
      if (rest.length || vc.length !== 1 || vc[0] !== 0) fail('only version v1 is known');
    }
    if (tbs[i]?.tag === 0xa1) i++; // requestorName: not used
    const list = children(der, need(tbs[i++], 0x30, 'requestList'));
    if (!list.length) fail('requestList is empty');
    if (list.length > MAX_OCSP_REQUEST_CERTS) fail(`more than ${MAX_OCSP_REQUEST_CERTS} certificates in one request`);
    const certIds = list.map((r) => {
      const f = children(der, need(r, 0x30, 'Request'));
      if (f.length > 2 || (f.length === 2 && f[1].tag !== 0xa0)) fail('Request must be a CertID and optional [0] extensions');
      return readCertId(der, f[0]);
    });
    let nonce: Buffer | undefined;
    if (tbs[i]?.tag === 0xa2) {
      const wrapped = children(der, tbs[i++]);
      if (wrapped.length !== 1) fail('requestExtensions must hold one Extensions');
      const ext = readExtensions(der, wrapped[0]).find((e) => e.oid === OCSP_OID.nonce);
      if (ext) nonce = checkNonce(ext.value);
    }
    if (i !== tbs.length) fail('tbsRequest has unexpected fields');
    return nonce ? { certIds, nonce } : { certIds };
  } catch (e) {
    if (e instanceof Malformed || e instanceof DerError) throw malformed(e.message);
    throw e;
  }
}

/**
 * The DER of a GET request's last path segment (RFC 6960 Appendix A.1: URL-encoded base64 of the
 * DER). Accepts base64url too; throws OCSP_REQUEST_MALFORMED for anything else.
 */
export function ocspRequestFromGetPath(segment: string): Buffer {
  let s: string;
  try {
    s = decodeURIComponent(segment);
  } catch {
    throw malformed('the path is not URL-encoded');
  }
  s = s.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, '');
  if (!s.length || s.length > Math.ceil((MAX_OCSP_REQUEST_BYTES * 4) / 3) + 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(s)) throw malformed('the path is not base64');
  return Buffer.from(s, 'base64');
}

// ---------------------------------------------------------------------------------------------
// Matching: the issuer hashes of a CA certificate

interface CaParts {
  subjectDer: Buffer;
  /** The subjectPublicKey BIT STRING's value, without the unused-bits octet. */
  publicKeyBits: Buffer;
}

function caParts(certDer: Buffer): CaParts {
  try {
    const cert = readTlv(certDer, 0);
    if (cert.tag !== 0x30 || cert.end !== certDer.length) fail('not a single DER SEQUENCE');
    const tbs = children(certDer, need(children(certDer, cert)[0], 0x30, 'tbsCertificate'));
    const i = tbs[0]?.tag === 0xa0 ? 1 : 0;
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    const subject = need(tbs[i + 4], 0x30, 'subject');
    const spki = children(certDer, need(tbs[i + 5], 0x30, 'subjectPublicKeyInfo'));
    const bits = content(certDer, need(spki[1], 0x03, 'subjectPublicKey'));
    if (!bits.length || bits[0] !== 0) fail('subjectPublicKey has unused bits');
    return { subjectDer: Buffer.from(slice(certDer, subject)), publicKeyBits: Buffer.from(bits.subarray(1)) };
  } catch (e) {
    if (e instanceof Malformed || e instanceof DerError) throw new TypeError(`not a DER certificate: ${e.message}`);
    throw e;
  }
}

/**
 * issuerNameHash (hash of the CA's subject Name DER) and issuerKeyHash (hash of its
 * subjectPublicKey value) with `hashAlg`: what a request about a certificate this CA issued holds.
 */
export function issuerHashes(caCertDer: Buffer, hashAlg: OcspHashAlgorithm): Omit<CertId, 'serialHex'> {
  const { subjectDer, publicKeyBits } = caParts(caCertDer);
  return {
    hashAlgorithmOid: HASH_OIDS[hashAlg],
    issuerNameHash: createHash(hashAlg).update(subjectDer).digest(),
    issuerKeyHash: createHash(hashAlg).update(publicKeyBits).digest(),
  };
}

/** The CertID of the certificate `serialHex` issued by this CA: the key to pre-sign a response under. */
export function certIdFor(caCertDer: Buffer, serialHex: string, hashAlg: OcspHashAlgorithm = 'sha1'): CertId {
  return { ...issuerHashes(caCertDer, hashAlg), serialHex: normaliseSerialHex(serialHex) };
}

/** SHA-1 of the certificate's subjectPublicKey: ResponderID byKey for a responder (the CA itself) with this certificate. */
export function responderKeyHash(certDer: Buffer): Buffer {
  return createHash('sha1').update(caParts(certDer).publicKeyBits).digest();
}

/** A string naming a CertID exactly (hash algorithm, both hashes, serial), to store and look up responses by. */
export function certIdKey(id: CertId): string {
  return `${id.hashAlgorithmOid}:${id.issuerNameHash.toString('hex')}:${id.issuerKeyHash.toString('hex')}:${normaliseSerialHex(id.serialHex)}`;
}

/** Whether a request's CertID names a certificate of the issuer with these hashes (same hash algorithm). */
export function matchesIssuer(id: CertId, issuer: Omit<CertId, 'serialHex'>): boolean {
  return id.hashAlgorithmOid === issuer.hashAlgorithmOid && id.issuerNameHash.equals(issuer.issuerNameHash) && id.issuerKeyHash.equals(issuer.issuerKeyHash);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** GeneralizedTime YYYYMMDDHHMMSSZ: OCSP uses it for every time, whatever the year (RFC 6960 §4.2.2.1). */
function generalizedTime(d: Date): Buffer {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError('OCSP times must be valid Dates');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('OCSP times must be within years 0000..9999');
  const digits = d.toISOString().slice(0, 19).replace(/[-T:]/g, '');
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

const ENUMERATED = (n: number) => tlv(0x0a, Buffer.from([n]));

/** CertID ::= SEQUENCE { hashAlgorithm (NULL parameters, as OpenSSL writes it), issuerNameHash, issuerKeyHash, serialNumber }. */
export function encodeCertId(id: CertId): Buffer {
  return sequence(sequence(oid(id.hashAlgorithmOid), nullValue()), octetString(id.issuerNameHash), octetString(id.issuerKeyHash), serialInteger(id.serialHex));
}

function certStatus(status: OcspCertStatus): Buffer {
  if (status === 'good') return Buffer.from([0x80, 0x00]); // good [0] IMPLICIT NULL
  if (status === 'unknown') return Buffer.from([0x82, 0x00]); // unknown [2] IMPLICIT NULL
  if (typeof status !== 'object' || status === null) throw new TypeError(`unknown certificate status: ${String(status)}`);
  if (status.reason !== undefined && !isReasonCode(status.reason)) throw new TypeError(`unknown revocation reason: ${String(status.reason)}`);
  // revoked [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
  const reason = status.reason === undefined ? [] : [explicit(0, ENUMERATED(REASON_CODES[status.reason]))];
  return tlv(0xa1, generalizedTime(status.revokedAt), ...reason);
}

function singleResponse(r: SingleResponseInput): Buffer {
  if (r.nextUpdate && r.nextUpdate < r.thisUpdate) throw new RangeError('nextUpdate must not be before thisUpdate');
  const next = r.nextUpdate ? [explicit(0, generalizedTime(r.nextUpdate))] : [];
  return sequence(encodeCertId(r.certId), certStatus(r.status), generalizedTime(r.thisUpdate), ...next);
}

/**
 * ResponseData (v1, ResponderID byKey): the bytes to sign. Split from the signing so a worker can
 * sign through any driver; `buildBasicOcspResponse` does both.
 */
export function buildOcspResponseData(input: OcspResponseDataInput): Buffer {
  if (!input.responses.length) throw new RangeError('an OCSP response needs at least one SingleResponse');
  if (!Buffer.isBuffer(input.responderKeyHash) || input.responderKeyHash.length !== 20) throw new TypeError('responderKeyHash must be the 20-byte SHA-1 of the responder key');
  const exts = input.nonce ? [explicit(1, sequence(sequence(oid(OCSP_OID.nonce), octetString(input.nonce))))] : [];
  return sequence(
    tlv(0xa2, octetString(input.responderKeyHash)), // byKey [2] EXPLICIT KeyHash
    generalizedTime(input.producedAt),
    sequence(...input.responses.map(singleResponse)),
    ...exts,
  );
}

/** OCSPResponse { successful, [0] { id-pkix-ocsp-basic, OCTET STRING { BasicOCSPResponse } } }. */
export function assembleOcspResponse(responseDataDer: Buffer, alg: SignatureAlgorithm, signature: Buffer, certs: readonly Buffer[] = []): Buffer {
  const basic = sequence(responseDataDer, algorithmIdentifier(alg), bitString(signature), ...(certs.length ? [explicit(0, sequence(...certs))] : []));
  return sequence(ENUMERATED(RESPONSE_STATUS.successful), explicit(0, sequence(oid(OCSP_OID.basic), octetString(basic))));
}

/** A signed, successful OCSPResponse for the given certificates (one, for a pre-signed response). */
export async function buildBasicOcspResponse(input: BasicOcspResponseInput): Promise<Buffer> {
  const tbs = buildOcspResponseData(input);
  const signature = await input.sign(tbs);
  if (!Buffer.isBuffer(signature) || !signature.length) throw new TypeError('sign() must return the signature bytes');
  return assembleOcspResponse(tbs, input.signatureAlgorithm, signature, input.certs);
}

/** The unsigned OCSPResponse for an error status: just the responseStatus (RFC 6960 §4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  if (!ERROR_STATUSES.includes(status)) throw new TypeError(`not an OCSP error status: ${String(status)}`);
  return sequence(ENUMERATED(RESPONSE_STATUS[status]));
}
