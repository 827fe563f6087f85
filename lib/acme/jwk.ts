import { calculateJwkThumbprint, type JWK } from 'jose';
import { decodeBase64url, isPlainObject, quote } from './encoding.js';
import { AcmeProblem } from './problem.js';

/**
 * Which account keys we accept, checked before any crypto runs. Boulder's rules (goodkey, checkAlgorithm),
 * plus EdDSA: the algorithm must fit the key (badSignatureAlgorithm), the key must be public and strong
 * (badPublicKey).
 */

/** What certbot 2.1, dehydrated and acme-tiny (RS256), lego, uacme and acme-client (ES256) sign with, and EdDSA. */
export const ACCOUNT_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export const isAccountAlgorithm = (alg: string): boolean => ACCOUNT_ALGORITHMS.includes(alg);

/** Members that only a private (or symmetric) key has: such a JWK leaked its secret and is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

const CURVES: Readonly<Record<string, { alg: string; bytes: number }>> = {
  'P-256': { alg: 'ES256', bytes: 32 },
  'P-384': { alg: 'ES384', bytes: 48 },
  'P-521': { alg: 'ES512', bytes: 66 },
};

const MIN_RSA_BITS = 2048;
/** Above this a key is more likely an attempt to make us burn CPU than a real account key. */
const MAX_RSA_BITS = 8192;

/** JWK members jose types as strings, and the non-string ones it knows: a header `jwk` must fit these to be a JWK. */
const STRING_MEMBERS = ['kty', 'alg', 'use', 'kid', 'crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'x5t', 'x5t#S256', 'x5u', 'pub', 'priv'];
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** True when the value can be typed as jose's JWK (every member it types has that type). */
export function isJwkShape(v: unknown): v is JWK {
  if (!isPlainObject(v) || typeof v.kty !== 'string') return false;
  if (STRING_MEMBERS.some((m) => Object.hasOwn(v, m) && typeof v[m] !== 'string')) return false;
  if (Object.hasOwn(v, 'ext') && typeof v.ext !== 'boolean') return false;
  return ['key_ops', 'x5c'].every((m) => !Object.hasOwn(v, m) || isStringArray(v[m]));
}

const badKey = (detail: string) => new AcmeProblem('badPublicKey', detail);

/** A base64url member decoded, or badPublicKey naming it. */
function member(jwk: Record<string, unknown>, name: string): Buffer {
  const v = jwk[name];
  const bytes = typeof v === 'string' && v.length > 0 ? decodeBase64url(v) : undefined;
  if (bytes === undefined) throw badKey(`JWK member "${name}" must be a non-empty unpadded base64url string`);
  return bytes;
}

/** RFC 7518 6.3.1: Base64urlUInt uses the minimum number of octets; a leading zero would give the same key a second thumbprint. */
function minimalUInt(jwk: Record<string, unknown>, name: string): Buffer {
  const bytes = member(jwk, name);
  if (bytes.length > 1 && bytes[0] === 0) throw badKey(`JWK member "${name}" has a leading zero octet (RFC 7518 6.3.1)`);
  return bytes;
}

const bitLength = (bytes: Buffer): number => (bytes[0] === 0 ? 0 : (bytes.length - 1) * 8 + Math.floor(Math.log2(bytes[0])) + 1);

const mismatch = (alg: string, key: string) =>
  new AcmeProblem('badSignatureAlgorithm', `JWS "alg" ${quote(alg)} does not fit a ${key} key (RS256: RSA, ES256/ES384/ES512: P-256/P-384/P-521, EdDSA: Ed25519)`);

/**
 * The public key of `value` reduced to its RFC 7638 required members, after checking it is a public,
 * strong key that `alg` fits. Reducing it means optional members (key_ops, use, ext) never reach the
 * crypto import, and what is stored is exactly what the thumbprint covers.
 */
export function publicAccountKey(value: unknown, alg: string): JWK {
  if (!isPlainObject(value)) throw new AcmeProblem('malformed', '"jwk" must be a JSON object');
  const secret = PRIVATE_MEMBERS.find((m) => Object.hasOwn(value, m));
  if (secret !== undefined) throw badKey(`JWK has the private member "${secret}": send the public key only`);
  if (Object.hasOwn(value, 'alg') && value.alg !== alg) {
    throw new AcmeProblem('badSignatureAlgorithm', `JWK "alg" does not match the JWS "alg" ${quote(alg)}`);
  }
  switch (value.kty) {
    case 'RSA': {
      if (alg !== 'RS256') throw mismatch(alg, 'RSA');
      const bits = bitLength(minimalUInt(value, 'n'));
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw badKey(`RSA key of ${bits} bits: ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits are accepted`);
      const e = minimalUInt(value, 'e');
      // Boulder accepts only 65537; any small odd exponent is safe, a huge one only slows verification.
      if (e.length > 4 || e.readUIntBE(0, e.length) < 3 || e[e.length - 1] % 2 === 0) throw badKey('RSA public exponent must be odd, at least 3, at most 32 bits');
      return { kty: 'RSA', n: value.n as string, e: value.e as string };
    }
    case 'EC': {
      const curve = typeof value.crv === 'string' && Object.hasOwn(CURVES, value.crv) ? CURVES[value.crv] : undefined;
      if (curve === undefined) throw badKey('EC key curve must be P-256, P-384 or P-521');
      if (alg !== curve.alg) throw mismatch(alg, `EC ${value.crv as string}`);
      // RFC 7518 6.2.1.2: coordinates are full length, so one point has one spelling.
      if (member(value, 'x').length !== curve.bytes || member(value, 'y').length !== curve.bytes) {
        throw badKey(`EC ${value.crv as string} coordinates must be ${curve.bytes} octets each`);
      }
      return { kty: 'EC', crv: value.crv as string, x: value.x as string, y: value.y as string };
    }
    case 'OKP': {
      if (value.crv !== 'Ed25519') throw badKey('OKP key curve must be Ed25519');
      if (alg !== 'EdDSA') throw mismatch(alg, 'Ed25519');
      if (member(value, 'x').length !== 32) throw badKey('Ed25519 public key must be 32 octets');
      return { kty: 'OKP', crv: 'Ed25519', x: value.x as string };
    }
    default:
      throw badKey('JWK "kty" must be RSA, EC or OKP');
  }
}

/** RFC 7638 SHA-256 thumbprint, base64url; malformed when the value is not a JWK with its required members. */
export async function thumbprintOf(jwk: unknown, what = 'JWK'): Promise<string> {
  if (!isJwkShape(jwk)) throw new AcmeProblem('malformed', `${what} is not a JWK`);
  try {
    return await calculateJwkThumbprint(jwk, 'sha256');
  } catch {
    throw new AcmeProblem('malformed', `${what} lacks the members its key type requires`);
  }
}
