/*
 * The pkcs11 driver's key material: the key pair templates, the signature mechanisms and the
 * conversion of their output to X.509's forms (SubjectPublicKeyInfo, ECDSA-Sig-Value, PKCS#11 URI).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Handle, PKCS11, Template } from 'pkcs11js';
import { keyTypeOf, type KeyType, type SignatureAlgorithm } from '../x509/index.js';
import { bitString, nullValue, OIDS, sequence, unsignedInteger, unwrap } from './asn1.js';
import { CK } from './pkcs11Constants.js';
import type { TokenKeyHandle } from './types.js';

/** The curves, by key type: CKA_EC_PARAMS (a DER OID), the SPKI algorithm, the size of r and s. */
const EC_CURVES = {
  'EC-P256': { params: OIDS.prime256v1, fieldBytes: 32 },
  'EC-P384': { params: OIDS.secp384r1, fieldBytes: 48 },
} as const;

const ALG = { rsaPrefix: '1.2.840.113549.1.1.', ecdsaPrefix: '1.2.840.10045.4.3.', ed25519: '1.3.101.112' } as const;

export const SUPPORTED: readonly KeyType[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384', 'Ed25519'];

/** RFC 7512 percent-encoding: everything but unreserved characters. */
const pct = (s: string) =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');

/** PKCS#11 CKM_ECDSA gives r||s, each the curve's size; X.509 wants ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }. */
export function rawEcdsaToDer(raw: Buffer, fieldBytes?: number): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0 || (fieldBytes !== undefined && raw.length !== 2 * fieldBytes)) {
    throw new Error(`an ECDSA signature of ${raw.length} bytes is not r||s${fieldBytes ? ` for a ${fieldBytes * 8}-bit curve` : ''}`);
  }
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

/** CKA_EC_POINT is normally DER OCTET STRING(point); a few tokens return the bare point. */
function unwrapEcPoint(value: Buffer, expectLength: number): Buffer {
  if (value.length === expectLength) return value;
  const point = unwrap(value, 0x04);
  if (!point || point.length !== expectLength) throw new Error('CKA_EC_POINT is neither a point nor an OCTET STRING of one');
  return point;
}

/** SubjectPublicKeyInfo of a token public key, from its attributes. */
function spkiOf(keyType: KeyType, attr: (type: number) => Buffer): Buffer {
  if (keyType.startsWith('RSA')) {
    const rsaPublicKey = sequence(unsignedInteger(attr(CK.CKA_MODULUS)), unsignedInteger(attr(CK.CKA_PUBLIC_EXPONENT)));
    return sequence(sequence(OIDS.rsaEncryption, nullValue()), bitString(rsaPublicKey));
  }
  if (keyType === 'Ed25519') {
    return sequence(sequence(OIDS.ed25519), bitString(unwrapEcPoint(attr(CK.CKA_EC_POINT), 32)));
  }
  const curve = EC_CURVES[keyType as keyof typeof EC_CURVES];
  if (!attr(CK.CKA_EC_PARAMS).equals(curve.params)) throw new Error(`the token key is not on the curve of ${keyType}`);
  const point = unwrapEcPoint(attr(CK.CKA_EC_POINT), 1 + 2 * curve.fieldBytes);
  if (point[0] !== 0x04) throw new Error('CKA_EC_POINT is not an uncompressed point');
  return sequence(sequence(OIDS.ecPublicKey, curve.params), bitString(point));
}

/** The key type of a token key, from CKA_KEY_TYPE and its size or curve. */
function keyTypeOfToken(ckk: number, attr: (type: number) => Buffer): KeyType {
  if (ckk === CK.CKK_RSA) {
    const bits = attr(CK.CKA_MODULUS).length * 8;
    const kt = ({ 2048: 'RSA-2048', 3072: 'RSA-3072', 4096: 'RSA-4096' } as Record<number, KeyType>)[bits];
    if (kt) return kt;
    throw new Error(`RSA-${bits} token keys are not supported`);
  }
  if (ckk === CK.CKK_EC_EDWARDS) return 'Ed25519';
  if (ckk === CK.CKK_EC) {
    const params = attr(CK.CKA_EC_PARAMS);
    for (const [kt, c] of Object.entries(EC_CURVES)) if (params.equals(c.params)) return kt as KeyType;
    throw new Error('the token key is on an unsupported curve');
  }
  throw new Error(`CKA_KEY_TYPE ${ckk} is not supported`);
}

const readUlong = (b: Buffer) => (b.length >= 8 ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0));

/** The templates of a key pair to generate in the token: sensitive, never extractable, for signing only. */
export function keyPairTemplates(keyType: KeyType, label: string, id: Buffer): { mechanism: number; publicTemplate: Template; privateTemplate: Template } {
  const common: Template = [
    { type: CK.CKA_TOKEN, value: true },
    { type: CK.CKA_LABEL, value: label },
    { type: CK.CKA_ID, value: id },
  ];
  const publicTemplate: Template = [...common, { type: CK.CKA_CLASS, value: CK.CKO_PUBLIC_KEY }, { type: CK.CKA_PRIVATE, value: false }, { type: CK.CKA_VERIFY, value: true }, { type: CK.CKA_ENCRYPT, value: false }, { type: CK.CKA_WRAP, value: false }];
  const privateTemplate: Template = [
    ...common,
    { type: CK.CKA_CLASS, value: CK.CKO_PRIVATE_KEY },
    { type: CK.CKA_PRIVATE, value: true },
    { type: CK.CKA_SENSITIVE, value: true },
    { type: CK.CKA_EXTRACTABLE, value: false },
    { type: CK.CKA_SIGN, value: true },
    { type: CK.CKA_DECRYPT, value: false },
    { type: CK.CKA_UNWRAP, value: false },
    { type: CK.CKA_DERIVE, value: false },
  ];
  let mechanism: number;
  if (keyType.startsWith('RSA')) {
    mechanism = CK.CKM_RSA_PKCS_KEY_PAIR_GEN;
    publicTemplate.push({ type: CK.CKA_MODULUS_BITS, value: Number(keyType.slice(4)) }, { type: CK.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) });
    privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_RSA });
  } else if (keyType === 'Ed25519') {
    mechanism = CK.CKM_EC_EDWARDS_KEY_PAIR_GEN;
    publicTemplate.push({ type: CK.CKA_EC_PARAMS, value: OIDS.ed25519 });
    privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_EC_EDWARDS });
  } else {
    mechanism = CK.CKM_EC_KEY_PAIR_GEN;
    publicTemplate.push({ type: CK.CKA_EC_PARAMS, value: EC_CURVES[keyType as keyof typeof EC_CURVES].params });
    privateTemplate.push({ type: CK.CKA_KEY_TYPE, value: CK.CKK_EC });
  }
  return { mechanism, publicTemplate, privateTemplate };
}

/** The C_Sign mechanism and input for a signature of `tbs`; `fieldBytes` when its r||s output is to become DER. */
export function signMechanism(keyType: KeyType, algorithm: SignatureAlgorithm, tbs: Buffer): { mechanism: number; data: Buffer; fieldBytes?: number } {
  if (keyType.startsWith('RSA')) {
    if (!algorithm.oid.startsWith(ALG.rsaPrefix)) throw new Error(`${algorithm.name} is not an RSA signature`);
    if (algorithm.hash === 'sha256') return { mechanism: CK.CKM_SHA256_RSA_PKCS, data: tbs };
    if (algorithm.hash === 'sha384') return { mechanism: CK.CKM_SHA384_RSA_PKCS, data: tbs };
    throw new Error(`no PKCS#11 mechanism for ${algorithm.name}`);
  }
  if (keyType === 'Ed25519') {
    if (algorithm.oid !== ALG.ed25519) throw new Error(`${algorithm.name} is not an Ed25519 signature`);
    // PureEdDSA over the whole TBS; CKM_EDDSA without parameters is Ed25519.
    return { mechanism: CK.CKM_EDDSA, data: tbs };
  }
  if (!algorithm.oid.startsWith(ALG.ecdsaPrefix) || !algorithm.hash) throw new Error(`${algorithm.name} is not an ECDSA signature`);
  // CKM_ECDSA signs a digest: hash here, so any token with plain ECDSA will do (SoftHSM has no CKM_ECDSA_SHA256).
  return { mechanism: CK.CKM_ECDSA, data: createHash(algorithm.hash).update(tbs).digest(), fieldBytes: EC_CURVES[keyType as keyof typeof EC_CURVES].fieldBytes };
}

/** The handle of a token key, read from its public half; `expected` is the key type it must be. */
export function describeTokenKey(lib: PKCS11, session: Handle, publicKeyObject: Handle, tokenLabel: string, label: string, id: Buffer, expected?: KeyType): TokenKeyHandle {
  const [{ value: kt }] = lib.C_GetAttributeValue(session, publicKeyObject, [{ type: CK.CKA_KEY_TYPE }]);
  const ckk = readUlong(kt);
  const wanted = ckk === CK.CKK_RSA ? [CK.CKA_MODULUS, CK.CKA_PUBLIC_EXPONENT] : [CK.CKA_EC_PARAMS, CK.CKA_EC_POINT];
  const values = new Map(lib.C_GetAttributeValue(session, publicKeyObject, wanted.map((type) => ({ type }))).map((a) => [a.type, a.value]));
  const attr = (type: number) => {
    const v = values.get(type);
    if (!v) throw new Error(`the token did not return attribute 0x${type.toString(16)}`);
    return v;
  };
  const keyType = keyTypeOfToken(ckk, attr);
  if (expected && keyType !== expected) throw new Error(`the token made a ${keyType} key where ${expected} was asked for`);
  const publicKey: KeyObject = createPublicKey({ key: spkiOf(keyType, attr), format: 'der', type: 'spki' });
  if (keyTypeOf(publicKey) !== keyType) throw new Error(`the token's public key is not a ${keyType} key`);
  const uri = `pkcs11:token=${pct(tokenLabel)};object=${pct(label)};id=${Array.from(id, (b) => `%${b.toString(16).padStart(2, '0')}`).join('')};type=private`;
  return { location: 'token', keyType, label, id: id.toString('hex'), uri, publicKey };
}
