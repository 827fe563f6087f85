/**
 * A certificate linter: RFC 5280 and the CA/Browser Forum Baseline Requirements, as far as they
 * apply to a private CA. Pure logic over DER bytes: it reads the certificate with our own DER
 * reader, so a certificate OpenSSL would refuse to parse still gets precise findings instead of
 * one opaque failure, and it checks the encoding itself (serial, times, BIT STRINGs), which a
 * parser that normalises would hide.
 *
 * Codes are stable; the prefix is the severity: `E_` errors (`assertLintClean` throws on them),
 * `W_` warnings (recommendations, and limits our service may lift on purpose, like validity
 * beyond 398 days).
 */
import { createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { AppError } from '../errors/index.js';
import { certificateParts, children, content, decodeOid, decodeTime, DerError, expectTag, readTlv, slice, wholeTlv, type Tlv } from './der.js';
import { decodeName } from './name.js';
import { OID } from './oids.js';
import { ipToBytes } from './san.js';

export interface LintFinding {
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

export type LintKind = 'root' | 'intermediate' | 'leaf';

export interface LintOptions {
  /** The issuing CA's certificate: enables the signature, AKI, name chaining and validity nesting checks. */
  issuerDer?: Buffer;
  /** The time expiry is judged at; defaults to the current time. */
  now?: Date;
  /** What the certificate is meant to be: the profile it is held to. */
  kind: LintKind;
}

// ---------------------------------------------------------------------------------------------
// Object identifiers only the linter needs (the shared ones are in oids.ts)

const X = {
  anyExtendedKeyUsage: '2.5.29.37.0',
  md5WithRSA: '1.2.840.113549.1.1.4',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  dsaWithSHA1: '1.2.840.10040.4.3',
} as const;

/** Extensions of RFC 5280 (and AIA) that path validation is expected to understand when critical. */
const KNOWN_EXTENSIONS = new Set([
  OID.subjectAltName,
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  '2.5.29.9', // subjectDirectoryAttributes
  '2.5.29.18', // issuerAltName
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.46', // freshestCRL
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

type KeyFamily = 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'other';

/** The signature algorithms we recognise: the digest to verify with and the key family that must have signed. */
const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null; key: KeyFamily; nullParams: boolean }> = {
  [OID.sha256WithRSA]: { name: 'sha256WithRSAEncryption', hash: 'sha256', key: 'rsa', nullParams: true },
  [OID.sha384WithRSA]: { name: 'sha384WithRSAEncryption', hash: 'sha384', key: 'rsa', nullParams: true },
  [OID.sha512WithRSA]: { name: 'sha512WithRSAEncryption', hash: 'sha512', key: 'rsa', nullParams: true },
  [OID.ecdsaWithSHA256]: { name: 'ecdsa-with-SHA256', hash: 'sha256', key: 'ec', nullParams: false },
  [OID.ecdsaWithSHA384]: { name: 'ecdsa-with-SHA384', hash: 'sha384', key: 'ec', nullParams: false },
  [OID.ecdsaWithSHA512]: { name: 'ecdsa-with-SHA512', hash: 'sha512', key: 'ec', nullParams: false },
  [OID.ed25519]: { name: 'Ed25519', hash: null, key: 'ed25519', nullParams: false },
};

/** SHA-1 and MD5 signatures are forgeable by collision (BR 7.1.3.2 forbids them). */
const WEAK_SIGNATURE_ALGORITHMS = new Set<string>([X.md5WithRSA, X.sha1WithRSA, X.ecdsaWithSHA1, X.dsaWithSHA1]);

/** RFC 5280 4.2.1.3, bit 0 the most significant bit of the first byte. */
const KU = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6, encipherOnly: 7, decipherOnly: 8 };

/** BR 6.3.2: a day is 86,400 seconds and the period includes both notBefore and notAfter. */
const MAX_LEAF_VALIDITY_SECONDS = 398 * 86_400;

// ---------------------------------------------------------------------------------------------
// Reading

interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue OCTET STRING's content: the DER of the extension's own value. */
  value: Buffer;
  /** DER violations in the Extension wrapper itself (an explicitly encoded DEFAULT FALSE). */
  problem?: string;
}

interface Time {
  text: string;
  tag: number;
  date?: Date;
}

interface Parsed {
  der: Buffer;
  tbsDer: Buffer;
  /** The INTEGER value of the version field; 0 (v1) when the field is absent. */
  version: number | undefined;
  serial: Buffer;
  tbsAlgorithm: Buffer;
  outerAlgorithm: Buffer;
  algorithmOid: string;
  algorithmParams: Buffer[];
  signature: Buffer;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Time;
  notAfter: Time;
  spki: Buffer;
  uniqueIds: boolean;
  /** Undefined without the [3] field; then the certificate has no extensions at all. */
  extensions?: Extension[];
}

const fail = (why: string): never => {
  throw new DerError(why);
};

const need = expectTag;

const oidAt = (buf: Buffer, t: Tlv | undefined, what: string) => decodeOid(content(buf, need(t, 0x06, what)));

/** A DER BOOLEAN: one byte, 0x00 or 0xFF. */
function booleanAt(buf: Buffer, t: Tlv): boolean {
  const c = content(buf, t);
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) fail('a BOOLEAN is not DER (one byte, 0x00 or 0xFF)');
  return c[0] === 0xff;
}

const whole = wholeTlv;

const readTime = (buf: Buffer, t: Tlv | undefined, what: string): Time => decodeTime(buf, t, what);

function readExtensions(buf: Buffer, field: Tlv): Extension[] {
  const list = children(buf, field);
  if (list.length !== 1) fail('the extensions field must hold one SEQUENCE');
  const out: Extension[] = [];
  for (const ext of children(buf, need(list[0], 0x30, 'extensions'))) {
    const parts = children(buf, need(ext, 0x30, 'an extension'));
    const extOid = oidAt(buf, parts[0], 'an extension identifier');
    let critical = false;
    let problem: string | undefined;
    let i = 1;
    if (parts[i]?.tag === 0x01) {
      critical = booleanAt(buf, parts[i]);
      // X.690 11.5: a value equal to its DEFAULT is not encoded.
      if (!critical) problem = 'critical is encoded as FALSE, its default';
      i++;
    }
    const value = need(parts[i], 0x04, 'an extension value');
    if (parts.length !== i + 1) fail('an extension has unexpected fields');
    out.push({ oid: extOid, critical, value: content(buf, value), problem });
  }
  return out;
}

/** Certificate and TBSCertificate (RFC 5280 4.1), strictly: anything out of place is a DerError. */
function parseCertificate(der: Buffer): Parsed {
  const { tbs, outerAlg, sig } = certificateParts(der);
  const sigBits = content(der, sig);
  if (sigBits.length < 2 || sigBits[0] !== 0) fail('the signature BIT STRING is empty or has unused bits');

  const f = children(der, tbs);
  let i = 0;
  let version: number | undefined = 0;
  if (f[0]?.tag === 0xa0) {
    const [v, ...rest] = children(der, f[0]);
    const vc = content(der, need(v, 0x02, 'version'));
    version = rest.length === 0 && vc.length === 1 ? vc[0] : undefined;
    i++;
  }
  const serial = content(der, need(f[i++], 0x02, 'serialNumber'));
  const tbsAlg = need(f[i++], 0x30, 'signature');
  const issuer = need(f[i++], 0x30, 'issuer');
  const validity = children(der, need(f[i++], 0x30, 'validity'));
  if (validity.length !== 2) fail('validity must hold two times');
  const subject = need(f[i++], 0x30, 'subject');
  const spki = need(f[i++], 0x30, 'subjectPublicKeyInfo');
  let uniqueIds = false;
  while (f[i]?.tag === 0x81 || f[i]?.tag === 0xa1 || f[i]?.tag === 0x82 || f[i]?.tag === 0xa2) {
    uniqueIds = true;
    i++;
  }
  let extensions: Extension[] | undefined;
  if (f[i]?.tag === 0xa3) extensions = readExtensions(der, f[i++]);
  if (i !== f.length) fail('the TBSCertificate has unexpected fields');

  const outerParts = children(der, outerAlg);
  return {
    der,
    tbsDer: slice(der, tbs),
    version,
    serial,
    tbsAlgorithm: slice(der, tbsAlg),
    outerAlgorithm: slice(der, outerAlg),
    algorithmOid: oidAt(der, outerParts[0], 'the signature algorithm'),
    algorithmParams: outerParts.slice(1).map((p) => slice(der, p)),
    signature: sigBits.subarray(1),
    issuer: slice(der, issuer),
    subject: slice(der, subject),
    notBefore: readTime(der, validity[0], 'notBefore'),
    notAfter: readTime(der, validity[1], 'notAfter'),
    spki: slice(der, spki),
    uniqueIds,
    extensions,
  };
}

// ---------------------------------------------------------------------------------------------
// Extension values

interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

function basicConstraints(v: Buffer): BasicConstraints {
  const parts = children(v, need(whole(v, 'basicConstraints'), 0x30, 'basicConstraints'));
  let i = 0;
  let ca = false;
  if (parts[i]?.tag === 0x01) {
    ca = booleanAt(v, parts[i++]);
    if (!ca) fail('cA is encoded as FALSE, its default');
  }
  let pathLen: number | undefined;
  if (parts[i]?.tag === 0x02) {
    const n = content(v, parts[i++]);
    if (!n.length || n[0] & 0x80 || n.length > 4 || (n.length > 1 && n[0] === 0 && !(n[1] & 0x80))) fail('pathLenConstraint is not a small non-negative DER INTEGER');
    pathLen = n.readUIntBE(0, n.length);
  }
  if (i !== parts.length) fail('basicConstraints has unexpected fields');
  return { ca, pathLen };
}

/** The set bits of a KeyUsage BIT STRING; a non-DER NamedBitList (X.690 11.2) is a DerError. */
function keyUsageBits(v: Buffer): Set<number> {
  const bits = content(v, need(whole(v, 'keyUsage'), 0x03, 'keyUsage'));
  if (!bits.length) fail('keyUsage is an empty BIT STRING');
  const unused = bits[0];
  const bytes = bits.subarray(1);
  if (unused > 7 || (!bytes.length && unused)) fail('keyUsage has a bad unused-bits count');
  const set = new Set<number>();
  if (!bytes.length) return set;
  const last = bytes[bytes.length - 1];
  // DER: trailing zero bits of a NamedBitList are removed, so the last bit present is a 1.
  if (!(last & (1 << unused)) || last & ((1 << unused) - 1)) fail('keyUsage has trailing zero bits (not DER)');
  for (let b = 0; b < bytes.length * 8 - unused; b++) if (bytes[b >> 3] & (0x80 >> (b & 7))) set.add(b);
  return set;
}

function extKeyUsages(v: Buffer): string[] {
  const list = children(v, need(whole(v, 'extKeyUsage'), 0x30, 'extKeyUsage'));
  if (!list.length) fail('extKeyUsage is empty (SIZE (1..MAX))');
  return list.map((t) => oidAt(v, t, 'a key purpose'));
}

function subjectKeyId(v: Buffer): Buffer {
  const id = content(v, need(whole(v, 'subjectKeyIdentifier'), 0x04, 'subjectKeyIdentifier'));
  if (!id.length) fail('subjectKeyIdentifier is empty');
  return id;
}

/** The keyIdentifier of an AuthorityKeyIdentifier; undefined when it has only issuer and serial. */
function authorityKeyId(v: Buffer): Buffer | undefined {
  const parts = children(v, need(whole(v, 'authorityKeyIdentifier'), 0x30, 'authorityKeyIdentifier'));
  let last = -1;
  for (const p of parts) {
    const n = [0x80, 0xa1, 0x82].indexOf(p.tag);
    if (n <= last) fail('authorityKeyIdentifier has unexpected fields');
    last = n;
  }
  const id = parts.find((p) => p.tag === 0x80);
  return id && content(v, id);
}

interface GeneralName {
  tag: number;
  value: Buffer;
}

function generalNames(v: Buffer): GeneralName[] {
  return children(v, need(whole(v, 'subjectAltName'), 0x30, 'subjectAltName')).map((t) => ({ tag: t.tag, value: content(v, t) }));
}

// ---------------------------------------------------------------------------------------------
// Names

const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Problems of a dNSName (RFC 5280 4.2.1.6 preferred name syntax, BR 7.1.4.2): LDH labels, IDNs as
 * valid A-labels, lower case (the form our service issues), '*' only as the whole leftmost label.
 */
function dnsNameFindings(raw: Buffer): LintFinding[] {
  const name = raw.toString('latin1');
  const shown = JSON.stringify(name);
  if (!name.trim()) return [err('E_SAN_DNS_EMPTY', 'A dNSName in subjectAltName is empty or blank (RFC 5280 4.2.1.6).')];
  if (/[^\x21-\x7e]/.test(name)) return [err('E_SAN_DNS_INVALID', `dNSName ${shown} has characters outside printable ASCII: IDNs must be A-labels.`)];
  const out: LintFinding[] = [];
  if (name !== name.toLowerCase()) out.push(warn('W_SAN_DNS_UPPERCASE', `dNSName ${shown} is not in lower case.`));
  const labels = name.toLowerCase().split('.');
  if (name.length > 253) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} is longer than 253 characters.`));
  labels.forEach((label, i) => {
    if (label.includes('*')) {
      if (i !== 0 || label !== '*') out.push(err('E_SAN_DNS_WILDCARD', `dNSName ${shown}: a wildcard is only allowed as the whole leftmost label.`));
      else if (labels.length < 3) out.push(err('E_SAN_DNS_WILDCARD', `dNSName ${shown}: a wildcard needs at least two labels after it.`));
      return;
    }
    if (!label) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} has an empty label${i === labels.length - 1 ? ' (a trailing dot)' : ''}.`));
    else if (label.length > 63) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} has a label longer than 63 characters.`));
    else if (!LDH_LABEL.test(label)) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown}: label "${label}" is not letters, digits and inner hyphens.`));
    // An A-label must decode (Punycode, IDNA) and encode back to itself; WHATWG IDNA gives '' when it does not.
    else if (label.startsWith('xn--') && domainToASCII(domainToUnicode(label)) !== label) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown}: label "${label}" is not a valid A-label.`));
  });
  return out;
}

/** The common names of a Name; undefined if the Name cannot be decoded. */
function commonNames(nameDer: Buffer): string[] | undefined {
  try {
    return decodeName(nameDer)
      .filter((a) => a.type === 'CN')
      .map((a) => a.value);
  } catch {
    return undefined;
  }
}

/** RDNs in a Name; undefined if its structure does not read. */
function rdnCount(nameDer: Buffer): number | undefined {
  try {
    return children(nameDer, readTlv(nameDer, 0)).length;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Linting

const err = (code: string, message: string): LintFinding => ({ code, severity: 'error', message });
const warn = (code: string, message: string): LintFinding => ({ code, severity: 'warning', message });

function keyFamily(key: KeyObject): KeyFamily {
  const t = key.asymmetricKeyType;
  return t === 'rsa' || t === 'ec' || t === 'ed25519' || t === 'ed448' ? t : 'other';
}

/**
 * A certificate's extensions by OID (the first of duplicates, which are reported separately). A
 * value that does not decode is reported once and its specific checks are skipped, not guessed.
 */
class Extensions {
  private readonly byOid = new Map<string, Extension>();
  /** OIDs whose value did not decode: their specific checks are skipped, not guessed. */
  readonly malformed = new Set<string>();

  constructor(
    list: Extension[],
    private readonly out: LintFinding[],
  ) {
    for (const e of list) if (!this.byOid.has(e.oid)) this.byOid.set(e.oid, e);
  }

  get(extOid: string): Extension | undefined {
    return this.byOid.get(extOid);
  }

  /** The decoded value; undefined (with E_EXTENSION_MALFORMED) when it does not decode. */
  read<T>(ext: Extension | undefined, name: string, decode: (v: Buffer) => T): T | undefined {
    if (!ext) return undefined;
    try {
      return decode(ext.value);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      this.malformed.add(ext.oid);
      this.out.push(err('E_EXTENSION_MALFORMED', `The ${name} extension is malformed: ${e.message}.`));
      return undefined;
    }
  }
}

/** What the checks of a certificate's issuer need from it, read once. */
interface IssuerFacts {
  parsed: Parsed;
  self: boolean;
  key?: KeyObject;
  ski?: Buffer;
  ca?: BasicConstraints;
  keyUsage?: Set<number>;
}

function issuerFacts(parsed: Parsed, self: boolean): IssuerFacts {
  const facts: IssuerFacts = { parsed, self };
  try {
    facts.key = createPublicKey({ key: parsed.spki, format: 'der', type: 'spki' });
  } catch {
    // Reported as the issuer's own E_PUBLIC_KEY_INVALID when it is linted.
  }
  const find = (o: string) => parsed.extensions?.find((e) => e.oid === o);
  const quiet = <T>(e: Extension | undefined, decode: (v: Buffer) => T) => {
    try {
      return e && decode(e.value);
    } catch {
      return undefined;
    }
  };
  facts.ski = quiet(find(OID.subjectKeyIdentifier), subjectKeyId);
  facts.ca = quiet(find(OID.basicConstraints), basicConstraints);
  facts.keyUsage = quiet(find(OID.keyUsage), keyUsageBits);
  return facts;
}

/**
 * Lints one DER certificate against the profile of its `kind`. Never throws for a bad
 * certificate: what cannot be read is the finding E_MALFORMED (or E_ISSUER_MALFORMED).
 */
export function lintCertificate(certDer: Buffer, opts: LintOptions): LintFinding[] {
  const out: LintFinding[] = [];
  const { kind } = opts;
  const isCa = kind !== 'leaf';
  const now = opts.now ?? new Date();

  let c: Parsed;
  try {
    c = parseCertificate(certDer);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    return [err('E_MALFORMED', `The certificate cannot be read: ${e.message}.`)];
  }

  // --- version, serial, algorithms, names -----------------------------------------------------
  if (c.version !== 2) out.push(err('E_VERSION_NOT_V3', `The certificate is not version 3 (version field ${c.version === undefined ? 'malformed' : c.version}); extensions need v3 (RFC 5280 4.1.2.1).`));

  const s = c.serial;
  if (!s.length) out.push(err('E_SERIAL_NOT_POSITIVE', 'The serial number is an empty INTEGER.'));
  else {
    if (s[0] & 0x80 || s.every((b) => b === 0)) out.push(err('E_SERIAL_NOT_POSITIVE', `The serial number (${s.toString('hex')}) is zero or negative; it must be positive (RFC 5280 4.1.2.2).`));
    if (s.length > 1 && ((s[0] === 0 && !(s[1] & 0x80)) || (s[0] === 0xff && s[1] & 0x80))) out.push(err('E_SERIAL_NOT_MINIMAL', 'The serial number INTEGER has a redundant leading byte (not DER).'));
    if (s.length > 20) out.push(err('E_SERIAL_TOO_LONG', `The serial number has ${s.length} octets; at most 20 are allowed (RFC 5280 4.1.2.2).`));
    // BR 7.1: at least 64 bits from a CSPRNG. Fewer than 8 magnitude octets cannot hold them.
    const magnitude = s[0] === 0 ? s.length - 1 : s.length;
    if (magnitude < 8) out.push(warn('W_SERIAL_LOW_ENTROPY', `The serial number has ${magnitude} octets; at least 64 random bits are recommended (BR 7.1).`));
  }

  if (!c.tbsAlgorithm.equals(c.outerAlgorithm)) out.push(err('E_SIGNATURE_ALGORITHM_MISMATCH', 'The signature algorithm inside the TBSCertificate differs from the outer one (RFC 5280 4.1.1.2).'));
  const alg = SIGNATURE_ALGORITHMS[c.algorithmOid];
  if (WEAK_SIGNATURE_ALGORITHMS.has(c.algorithmOid)) out.push(err('E_SIGNATURE_ALGORITHM_WEAK', `The signature algorithm ${c.algorithmOid} uses MD5 or SHA-1 (BR 7.1.3.2).`));
  else if (!alg) out.push(warn('W_SIGNATURE_ALGORITHM_UNKNOWN', `The signature algorithm ${c.algorithmOid} is not one this linter knows.`));
  else {
    // RFC 4055: RSA takes explicit NULL parameters; RFC 5758 and 8410: ECDSA and EdDSA take none.
    const paramsOk = alg.nullParams ? c.algorithmParams.length === 1 && c.algorithmParams[0].equals(Buffer.from([0x05, 0x00])) : c.algorithmParams.length === 0;
    if (!paramsOk) out.push(err('E_SIGNATURE_ALGORITHM_PARAMETERS', `The ${alg.name} AlgorithmIdentifier must ${alg.nullParams ? 'have NULL parameters' : 'have no parameters'}.`));
  }

  // undefined: a Name that cannot be read (E_NAME_MALFORMED), so whether it is empty is not judged.
  const issuerRdns = rdnCount(c.issuer);
  const subjectRdns = rdnCount(c.subject);
  const subjectCns = commonNames(c.subject);
  if (issuerRdns === undefined || !commonNames(c.issuer)) out.push(err('E_NAME_MALFORMED', 'The issuer Name cannot be decoded.'));
  if (subjectRdns === undefined || !subjectCns) out.push(err('E_NAME_MALFORMED', 'The subject Name cannot be decoded.'));
  if (issuerRdns === 0) out.push(err('E_ISSUER_EMPTY', 'The issuer Name is empty (RFC 5280 4.1.2.4).'));
  if (c.uniqueIds) out.push(err('E_UNIQUE_IDENTIFIER_PRESENT', 'The certificate has issuerUniqueID or subjectUniqueID, which conforming CAs must not generate (RFC 5280 4.1.2.8).'));

  // --- validity ---------------------------------------------------------------------------------
  for (const [field, t] of [['notBefore', c.notBefore], ['notAfter', c.notAfter]] as const) {
    if (!t.date) {
      out.push(err('E_VALIDITY_TIME_FORMAT', `${field} "${t.text}" is not ${t.tag === 0x17 ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ'} with valid fields (RFC 5280 4.1.2.5).`));
      continue;
    }
    const year = t.date.getUTCFullYear();
    if (t.tag === 0x18 && year >= 1950 && year <= 2049) out.push(err('E_VALIDITY_GENERALIZED_TIME_BEFORE_2050', `${field} (${year}) is a GeneralizedTime; dates through 2049 must be UTCTime (RFC 5280 4.1.2.5).`));
  }
  const nb = c.notBefore.date;
  const na = c.notAfter.date;
  if (nb && na) {
    if (na <= nb) out.push(err('E_VALIDITY_REVERSED', `notAfter (${na.toISOString()}) is not after notBefore (${nb.toISOString()}).`));
    const seconds = (na.getTime() - nb.getTime()) / 1000 + 1;
    if (kind === 'leaf' && seconds > MAX_LEAF_VALIDITY_SECONDS) out.push(warn('W_LEAF_VALIDITY_OVER_398_DAYS', `The validity period is ${Math.ceil(seconds / 86_400)} days; at most 398 are recommended for leaves (BR 6.3.2).`));
  }
  if (na && na < now) out.push(err('E_EXPIRED', `The certificate expired at ${na.toISOString()}.`));
  if (nb && nb > now) out.push(warn('W_NOT_YET_VALID', `The certificate is not valid before ${nb.toISOString()}.`));

  // --- public key -------------------------------------------------------------------------------
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: c.spki, format: 'der', type: 'spki' });
  } catch {
    out.push(err('E_PUBLIC_KEY_INVALID', 'The subject public key cannot be read.'));
  }
  const family = key ? keyFamily(key) : 'other';
  const modulus = key?.asymmetricKeyDetails?.modulusLength;
  if (family === 'rsa' && modulus !== undefined && modulus < 2048) out.push(err('E_PUBLIC_KEY_WEAK', `The RSA key has ${modulus} bits; at least 2048 are required (BR 6.1.5).`));

  // --- extensions -------------------------------------------------------------------------------
  const list = c.extensions ?? [];
  if (c.extensions && !list.length) out.push(err('E_EXTENSIONS_EMPTY', 'The extensions field is present but empty (RFC 5280 4.1: SIZE (1..MAX)).'));
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.has(e.oid)) out.push(err('E_EXTENSION_DUPLICATE', `Extension ${e.oid} appears more than once (RFC 5280 4.2).`));
    seen.add(e.oid);
    if (e.problem) out.push(err('E_EXTENSION_MALFORMED', `Extension ${e.oid}: ${e.problem} (not DER).`));
    if (e.critical && !KNOWN_EXTENSIONS.has(e.oid)) out.push(warn('W_EXTENSION_UNKNOWN_CRITICAL', `Extension ${e.oid} is critical but not one relying parties are expected to process.`));
  }
  const exts = new Extensions(list, out);

  // basicConstraints (RFC 5280 4.2.1.9)
  const bcExt = exts.get(OID.basicConstraints);
  const bc = exts.read(bcExt, 'basicConstraints', basicConstraints);
  if (isCa) {
    if (!bcExt) out.push(err('E_BASIC_CONSTRAINTS_MISSING', 'A CA certificate has no basicConstraints extension.'));
    else {
      if (!bcExt.critical) out.push(err('E_BASIC_CONSTRAINTS_NOT_CRITICAL', 'basicConstraints of a CA certificate must be critical.'));
      if (bc && !bc.ca) out.push(err('E_BASIC_CONSTRAINTS_NOT_CA', 'basicConstraints of a CA certificate does not assert cA.'));
    }
  } else if (bc?.ca) out.push(err('E_BASIC_CONSTRAINTS_CA_IN_LEAF', 'A leaf certificate asserts cA in basicConstraints.'));

  // keyUsage (RFC 5280 4.2.1.3; RFC 3279, 8813, 8410 for what each key type may do)
  const kuExt = exts.get(OID.keyUsage);
  const ku = exts.read(kuExt, 'keyUsage', keyUsageBits);
  if (!kuExt) {
    if (isCa) out.push(err('E_KEY_USAGE_MISSING', 'A CA certificate has no keyUsage extension.'));
    else out.push(warn('W_KEY_USAGE_MISSING', 'The leaf certificate has no keyUsage extension.'));
  } else if (!kuExt.critical) out.push(warn('W_KEY_USAGE_NOT_CRITICAL', 'keyUsage should be critical.'));
  if (ku) {
    if (!ku.size) out.push(err('E_KEY_USAGE_EMPTY', 'keyUsage has no bit set (RFC 5280 4.2.1.3).'));
    if (isCa) {
      if (!ku.has(KU.keyCertSign)) out.push(err('E_KEY_USAGE_NO_KEY_CERT_SIGN', 'keyUsage of a CA certificate lacks keyCertSign.'));
      if (!ku.has(KU.cRLSign)) out.push(warn('W_KEY_USAGE_CA_NO_CRL_SIGN', 'keyUsage of a CA certificate lacks cRLSign (BR 7.1.2.10.7).'));
    } else {
      if (ku.has(KU.keyCertSign)) out.push(err('E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF', 'keyUsage of a leaf certificate asserts keyCertSign.'));
      if (ku.has(KU.cRLSign)) out.push(err('E_KEY_USAGE_CRL_SIGN_IN_LEAF', 'keyUsage of a leaf certificate asserts cRLSign.'));
    }
    if ((family === 'ec' || family === 'ed25519' || family === 'ed448') && (ku.has(KU.keyEncipherment) || ku.has(KU.dataEncipherment))) {
      out.push(err('E_KEY_USAGE_ENCIPHERMENT_NOT_RSA', `keyUsage asserts key or data encipherment for a${family === 'ec' ? 'n EC' : `n ${family}`} key, which cannot encrypt.`));
    }
    if ((family === 'rsa' || family === 'ed25519' || family === 'ed448') && ku.has(KU.keyAgreement)) {
      out.push(err('E_KEY_USAGE_KEY_AGREEMENT_NOT_EC', `keyUsage asserts keyAgreement for a${family === 'rsa' ? 'n RSA' : `n ${family}`} key, which cannot agree keys.`));
    }
  }
  if (bc?.pathLen !== undefined && (!bc.ca || !ku?.has(KU.keyCertSign))) {
    out.push(err('E_PATH_LEN_WITHOUT_KEY_CERT_SIGN', 'pathLenConstraint is set without cA and keyCertSign (RFC 5280 4.2.1.9).'));
  }

  // extKeyUsage (RFC 5280 4.2.1.12, BR 7.1.2.7.10)
  const ekuExt = exts.get(OID.extKeyUsage);
  const eku = exts.read(ekuExt, 'extKeyUsage', extKeyUsages);
  if (kind === 'leaf') {
    if (!ekuExt) out.push(warn('W_EXT_KEY_USAGE_MISSING', 'The leaf certificate has no extKeyUsage: it is good for any purpose.'));
    if (eku?.includes(X.anyExtendedKeyUsage)) out.push(warn('W_EXT_KEY_USAGE_ANY', 'The leaf certificate asserts anyExtendedKeyUsage.'));
  }

  // subjectKeyIdentifier (RFC 5280 4.2.1.2)
  const skiExt = exts.get(OID.subjectKeyIdentifier);
  exts.read(skiExt, 'subjectKeyIdentifier', subjectKeyId);
  if (!skiExt) {
    if (isCa) out.push(err('E_SKI_MISSING', 'A CA certificate has no subjectKeyIdentifier.'));
    else out.push(warn('W_SKI_MISSING', 'The leaf certificate has no subjectKeyIdentifier.'));
  } else if (skiExt.critical) out.push(err('E_SKI_CRITICAL', 'subjectKeyIdentifier must not be critical.'));

  // Self-issued: the names chain to themselves (RFC 5280 3.2), byte for byte as our issuer check needs.
  const selfIssued = c.subject.equals(c.issuer);
  if (kind === 'root' && !selfIssued) out.push(err('E_ROOT_NOT_SELF_ISSUED', 'The root certificate\'s subject and issuer Names are not the same bytes.'));

  // authorityKeyIdentifier (RFC 5280 4.2.1.1): keyIdentifier always, except that self-signed roots may omit the extension.
  const akiExt = exts.get(OID.authorityKeyIdentifier);
  const aki = exts.read(akiExt, 'authorityKeyIdentifier', authorityKeyId);
  if (!akiExt) {
    if (!(kind === 'root' && selfIssued)) out.push(err('E_AKI_MISSING', 'The certificate has no authorityKeyIdentifier.'));
  } else {
    if (akiExt.critical) out.push(err('E_AKI_CRITICAL', 'authorityKeyIdentifier must not be critical.'));
    if (aki === undefined && !exts.malformed.has(OID.authorityKeyIdentifier)) out.push(err('E_AKI_KEY_ID_MISSING', 'authorityKeyIdentifier has no keyIdentifier.'));
  }

  // subjectAltName (RFC 5280 4.2.1.6, BR 7.1.2.7.12)
  const sanExt = exts.get(OID.subjectAltName);
  const sans = exts.read(sanExt, 'subjectAltName', generalNames);
  if (subjectRdns === 0 && !sanExt?.critical) out.push(err('E_SUBJECT_EMPTY_WITHOUT_CRITICAL_SAN', 'The subject is empty, so subjectAltName must be present and critical (RFC 5280 4.1.2.6).'));
  if (subjectRdns && sanExt?.critical) out.push(warn('W_SAN_CRITICAL_WITH_SUBJECT', 'subjectAltName is critical although the subject is not empty (RFC 5280 4.2.1.6: should not be).'));
  if (kind === 'leaf' && !sanExt) out.push(err('E_SAN_MISSING', 'The leaf certificate has no subjectAltName: clients match names only there.'));
  if (sans) {
    if (!sans.length) out.push(err('E_SAN_EMPTY', 'subjectAltName holds no names (SIZE (1..MAX)).'));
    for (const gn of sans) {
      if (gn.tag === 0x82) out.push(...dnsNameFindings(gn.value));
      else if (gn.tag === 0x87 && gn.value.length !== 4 && gn.value.length !== 16) out.push(err('E_SAN_IP_LENGTH', `An iPAddress name has ${gn.value.length} octets; it must have 4 (IPv4) or 16 (IPv6).`));
      else if (gn.tag === 0x81 && !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(gn.value.toString('latin1'))) out.push(err('E_SAN_EMAIL_INVALID', `rfc822Name ${JSON.stringify(gn.value.toString('latin1'))} is not an ASCII mailbox.`));
    }
    // BR 7.1.4.3: a common name, if any, repeats one of the names.
    if (kind === 'leaf' && subjectCns) {
      const dns = new Set(sans.filter((g) => g.tag === 0x82).map((g) => g.value.toString('latin1').toLowerCase()));
      const ips = sans.filter((g) => g.tag === 0x87).map((g) => g.value);
      for (const cn of subjectCns) {
        const inSan = isIP(cn) ? ips.some((ip) => ip.equals(ipToBytes(cn))) : dns.has(cn.toLowerCase());
        if (!inSan) out.push(warn('W_SUBJECT_CN_NOT_IN_SAN', `The common name ${JSON.stringify(cn)} is not one of the subjectAltName entries (BR 7.1.4.3).`));
      }
    }
  }

  // --- the issuer ---------------------------------------------------------------------------------
  let issuer: IssuerFacts | undefined;
  if (opts.issuerDer) {
    try {
      issuer = issuerFacts(parseCertificate(opts.issuerDer), opts.issuerDer.equals(certDer));
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      out.push(err('E_ISSUER_MALFORMED', `The issuer certificate cannot be read: ${e.message}.`));
    }
  } else if (kind === 'root' && selfIssued) {
    // A root vouches for itself: its own key must verify it and its own SKI is its AKI.
    issuer = issuerFacts(c, true);
  }
  if (issuer) lintAgainstIssuer(c, issuer, { kind, aki, out });
  return out;
}

function lintAgainstIssuer(c: Parsed, issuer: IssuerFacts, ctx: { kind: LintKind; aki?: Buffer; out: LintFinding[] }): void {
  const { out } = ctx;
  const i = issuer.parsed;
  if (!c.issuer.equals(i.subject)) out.push(err('E_ISSUER_NAME_MISMATCH', 'The issuer Name is not byte for byte the issuer certificate\'s subject (RFC 5280 4.1.2.6).'));
  if (ctx.aki && issuer.ski && !ctx.aki.equals(issuer.ski)) {
    out.push(err('E_AKI_MISMATCH', `authorityKeyIdentifier ${ctx.aki.toString('hex')} is not the issuer's subjectKeyIdentifier ${issuer.ski.toString('hex')}.`));
  }

  // The signature, over the exact TBS bytes (as csr.ts does), with a key of the family the algorithm names.
  const alg = SIGNATURE_ALGORITHMS[c.algorithmOid];
  if (!issuer.key) out.push(err('E_SIGNATURE_INVALID', 'The issuer public key cannot be read, so the signature cannot be verified.'));
  else if (alg && keyFamily(issuer.key) !== alg.key) out.push(err('E_SIGNATURE_INVALID', `The certificate claims ${alg.name}, which does not fit the issuer's ${issuer.key.asymmetricKeyType} key.`));
  else {
    let ok = false;
    try {
      ok = alg ? verify(alg.hash, c.tbsDer, issuer.key, c.signature) : new X509Certificate(c.der).verify(issuer.key);
    } catch {
      ok = false;
    }
    if (!ok) out.push(err('E_SIGNATURE_INVALID', 'The signature does not verify with the issuer\'s public key.'));
  }

  // A separate issuer must be a CA allowed to sign certificates (RFC 5280 6.1.4 (k), (n)); a root
  // linted against itself was judged above already.
  if (!issuer.self) {
    if (!issuer.ca?.ca) out.push(err('E_ISSUER_NOT_CA', 'The issuer certificate is not a CA (no basicConstraints cA).'));
    if (!issuer.keyUsage?.has(KU.keyCertSign)) out.push(err('E_ISSUER_NO_KEY_CERT_SIGN', 'The issuer certificate\'s keyUsage lacks keyCertSign.'));
    if (ctx.kind !== 'leaf' && issuer.ca?.pathLen === 0 && !c.subject.equals(c.issuer)) out.push(err('E_ISSUER_PATH_LEN_EXCEEDED', 'The issuer has pathLenConstraint 0 and cannot issue CA certificates.'));
  }

  const [nb, na, inb, ina] = [c.notBefore.date, c.notAfter.date, i.notBefore.date, i.notAfter.date];
  if (nb && na && inb && ina && (nb < inb || na > ina)) {
    out.push(warn('W_VALIDITY_OUTSIDE_ISSUER', `The validity (${nb.toISOString()} to ${na.toISOString()}) is not within the issuer's (${inb.toISOString()} to ${ina.toISOString()}).`));
  }
}

/** Throws LINT_FAILED (422) naming every error code; warnings alone pass. */
export function assertLintClean(findings: readonly LintFinding[]): void {
  const errors = findings.filter((f) => f.severity === 'error');
  if (!errors.length) return;
  const codes = [...new Set(errors.map((f) => f.code))];
  throw new AppError('LINT_FAILED', 422, `The certificate fails lint: ${codes.join(', ')}.`, { details: { codes, findings: errors } });
}
