import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AppError, badRequest } from '../errors/index.js';
import { children, content, decodeOid, DerError, expectTag, readTlv, slice, type Tlv } from './der.js';
import { keyTypeOf, type KeyType } from './keys.js';
import { decodeName, nameToString } from './name.js';
import { OID } from './oids.js';
import { pemToDer } from './pem.js';
import { ipFromBytes, ipToBytes, parseSan, type San } from './san.js';

export const MAX_CSR_BYTES = 64 * 1024;

export interface ParsedCsr {
  der: Buffer;
  /** The subject Name exactly as requested, copied verbatim into the certificate. */
  subjectDer: Buffer;
  subject: string;
  commonName?: string;
  spkiDer: Buffer;
  publicKey: KeyObject;
  keyType: KeyType;
  sans: San[];
  signatureAlgorithm: string;
}

const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null; key: 'rsa' | 'ec' | 'ed25519' }> = {
  [OID.sha256WithRSA]: { name: 'sha256WithRSAEncryption', hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRSA]: { name: 'sha384WithRSAEncryption', hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRSA]: { name: 'sha512WithRSAEncryption', hash: 'sha512', key: 'rsa' },
  [OID.ecdsaWithSHA256]: { name: 'ecdsa-with-SHA256', hash: 'sha256', key: 'ec' },
  [OID.ecdsaWithSHA384]: { name: 'ecdsa-with-SHA384', hash: 'sha384', key: 'ec' },
  [OID.ecdsaWithSHA512]: { name: 'ecdsa-with-SHA512', hash: 'sha512', key: 'ec' },
  [OID.ed25519]: { name: 'Ed25519', hash: null, key: 'ed25519' },
};

const malformed = (why: string) => badRequest('CSR_MALFORMED', `The CSR could not be parsed: ${why}.`);

const oidOf = (buf: Buffer, t: Tlv) => {
  if (t.tag !== 0x06) throw malformed('expected an object identifier');
  return decodeOid(content(buf, t));
};

/**
 * Parses a PKCS#10 request with our own DER reader (node-forge cannot read EC or Ed25519 CSRs)
 * and verifies its signature with node:crypto over the exact bytes that were signed.
 */
export function parseCsr(pem: string): ParsedCsr {
  if (typeof pem !== 'string' || pem.length > MAX_CSR_BYTES) throw malformed(`larger than ${MAX_CSR_BYTES} bytes`);
  const der = pemToDer(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'CSR_MALFORMED');
  try {
    return parseDer(der);
  } catch (e) {
    if (e instanceof DerError) throw malformed(e.message);
    throw e;
  }
}

function parseDer(der: Buffer): ParsedCsr {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw malformed('not a single DER SEQUENCE');
  const [info, alg, sig, ...extra] = children(der, outer);
  if (!info || !alg || !sig || extra.length || info.tag !== 0x30 || alg.tag !== 0x30 || sig.tag !== 0x03) throw malformed('not a CertificationRequest');
  const infoParts = children(der, info);
  const [version, subject, spki, attributes] = infoParts;
  if (!version || version.tag !== 0x02 || !content(der, version).equals(Buffer.from([0]))) throw malformed('version must be 0');
  if (!subject || subject.tag !== 0x30 || !spki || spki.tag !== 0x30) throw malformed('missing subject or public key');
  if (infoParts.length > 4 || (attributes && attributes.tag !== 0xa0)) throw malformed('unexpected fields');

  const spkiDer = Buffer.from(slice(der, spki));
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw new AppError('CSR_KEY_UNSUPPORTED', 400, 'The CSR public key is of a kind we cannot read.');
  }
  const keyType = keyTypeOf(publicKey);
  if (!keyType) {
    const d = publicKey.asymmetricKeyDetails ?? {};
    const what = publicKey.asymmetricKeyType === 'rsa' ? `RSA-${d.modulusLength}` : publicKey.asymmetricKeyType === 'ec' ? `EC ${d.namedCurve}` : publicKey.asymmetricKeyType;
    throw new AppError('CSR_KEY_UNSUPPORTED', 400, `The CSR key (${what}) is not accepted; use RSA 2048/3072/4096, EC P-256/P-384 or Ed25519.`);
  }

  // Baseline Requirements 6.1.6: an odd exponent of at least 65537. With e=1 any "signature" s
  // verifies (s^1 mod n = s), so the CSR would prove no private key; e=3 invites low-exponent attacks.
  const e = publicKey.asymmetricKeyDetails?.publicExponent;
  if (publicKey.asymmetricKeyType === 'rsa' && (e === undefined || e < 65537n || e % 2n === 0n)) {
    throw badRequest('CSR_KEY_UNSUPPORTED', `The CSR's RSA key has public exponent ${e}; the Baseline Requirements (6.1.6) ask for an odd exponent of at least 65537: make the key with the usual 65537.`, {
      public_exponent: String(e),
    });
  }

  const algParts = children(der, alg);
  if (!algParts[0]) throw malformed('empty signature algorithm');
  const algOid = oidOf(der, algParts[0]);
  const sigAlg = SIGNATURE_ALGORITHMS[algOid];
  if (!sigAlg) throw new AppError('CSR_ALGORITHM_UNSUPPORTED', 400, `The CSR signature algorithm ${algOid} is not accepted.`);
  if (sigAlg.key !== publicKey.asymmetricKeyType) throw new AppError('CSR_SIGNATURE_INVALID', 400, `The CSR is signed with ${sigAlg.name}, which does not fit its ${keyType} key.`);
  const sigBits = content(der, sig);
  if (sigBits.length < 2 || sigBits[0] !== 0) throw malformed('bad signature encoding');
  let ok = false;
  try {
    ok = verify(sigAlg.hash, slice(der, info), publicKey, sigBits.subarray(1));
  } catch {
    ok = false;
  }
  if (!ok) throw new AppError('CSR_SIGNATURE_INVALID', 400, 'The CSR signature does not verify: it was altered or not signed by its own key.');

  const subjectDer = Buffer.from(slice(der, subject));
  let subjectText: string;
  let commonName: string | undefined;
  try {
    const attrs = decodeName(subjectDer);
    subjectText = nameToString(subjectDer);
    commonName = attrs.find((a) => a.type === 'CN')?.value;
  } catch (e) {
    // SUBJECT_INVALID (a value we would not copy) names its field; a broken structure is malformed.
    if (e instanceof AppError) throw e;
    throw malformed(`the subject is not a valid Name${e instanceof DerError ? ` (${e.message})` : ''}`);
  }
  return {
    der,
    subjectDer,
    subject: subjectText,
    commonName,
    spkiDer,
    publicKey,
    keyType,
    sans: attributes ? requestedSans(der, attributes) : [],
    signatureAlgorithm: sigAlg.name,
  };
}

/** SANs from the extensionRequest attribute; other extensions are ours to decide, not the requester's. */
function requestedSans(der: Buffer, attributes: Tlv): San[] {
  const seen = new Set<string>();
  let sans: San[] = [];
  // Each element is checked for its tag before it is read: a request signed by its own key may
  // still hold any structure (an empty attribute, an extension without a value).
  for (const attr of children(der, attributes)) {
    const [type, values, ...rest] = children(der, expectTag(attr, 0x30, 'an attribute'));
    if (oidOf(der, expectTag(type, 0x06, 'an attribute type')) !== OID.extensionRequest) continue;
    if (rest.length) throw malformed('an attribute has more than a type and a set of values');
    for (const exts of children(der, expectTag(values, 0x31, 'the extensionRequest values'))) {
      for (const ext of children(der, expectTag(exts, 0x30, 'the requested extensions'))) {
        const fields = children(der, expectTag(ext, 0x30, 'an extension'));
        if (fields.length < 2 || fields.length > 3) throw malformed('an extension is not an OID, an optional critical flag and a value');
        const extOid = oidOf(der, expectTag(fields[0], 0x06, 'an extension id'));
        if (seen.has(extOid)) throw malformed(`extension ${extOid} appears twice`);
        seen.add(extOid);
        if (extOid !== OID.subjectAltName) continue;
        const octets = fields[fields.length - 1];
        if (octets.tag !== 0x04) throw malformed('extension value is not an OCTET STRING');
        const inner = content(der, octets);
        const names = expectTag(readTlv(inner, 0), 0x30, 'the subjectAltName');
        if (names.end !== inner.length) throw malformed('bytes after the subjectAltName');
        sans = children(inner, names).map((gn) => generalName(inner, gn));
      }
    }
  }
  return sans;
}

/** An IA5String name as text: read as 'ascii', a byte 0xE1 would quietly become "a", another name. */
function ia5Name(value: Buffer, what: string): string {
  if (value.some((b) => b < 0x20 || b > 0x7e)) throw badRequest('SAN_INVALID', `The CSR asks for ${what} with bytes outside printable ASCII; write IDNs as A-labels (xn--).`);
  return value.toString('latin1');
}

function generalName(buf: Buffer, gn: Tlv): San {
  const value = content(buf, gn);
  switch (gn.tag) {
    case 0x82:
      return parseSan(`DNS:${ia5Name(value, 'a DNS name')}`);
    case 0x81:
      return parseSan(`email:${ia5Name(value, 'an email address')}`);
    case 0x87: {
      if (value.length !== 4 && value.length !== 16) throw malformed('an IP address name has a bad length');
      const san = parseSan(`IP:${ipFromBytes(value)}`);
      if (!ipToBytes(san.value).equals(value)) throw malformed('an IP address name does not round-trip');
      return san;
    }
    default:
      throw badRequest('SAN_INVALID', `The CSR asks for a name of a kind we do not issue (tag 0x${gn.tag.toString(16)}); use DNS, IP or email names.`);
  }
}
