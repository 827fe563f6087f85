// Real keys and real JWSs for the ACME message-layer tests, signed with jose as a client would.
import { exportJWK, FlattenedSign, generateKeyPair, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';

export interface TestKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function newKey(alg: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, jwk: await exportJWK(publicKey) };
}

export interface Jws {
  protected: string;
  payload: string;
  signature: string;
}

/** Signs `payload` (JSON, or '' for POST-as-GET) with `key`, the header being `{ alg, ...header }`. */
export async function sign(key: TestKey, header: Record<string, unknown>, payload: unknown): Promise<Jws> {
  const bytes = payload === '' ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  const jws = await new FlattenedSign(bytes).setProtectedHeader({ alg: key.alg, ...header } as JWSHeaderParameters).sign(key.privateKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

/** MACs `payload` with an EAB key. */
export async function mac(hmacKey: Uint8Array, header: Record<string, unknown>, payload: unknown): Promise<Jws> {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  const jws = await new FlattenedSign(bytes).setProtectedHeader({ alg: 'HS256', ...header } as JWSHeaderParameters).sign(hmacKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

export const b64 = (v: string | object): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A body with a header of our choosing and a dummy signature: for refusals that come before verification. */
export const rawBody = (header: unknown, payload: unknown = {}): string =>
  JSON.stringify({ protected: b64(typeof header === 'string' ? header : JSON.stringify(header)), payload: b64(JSON.stringify(payload)), signature: 'AAAA' });

export const URL = 'https://acme.example.test/acme/ca1/new-account';
export const NONCE = 'bm9uY2Vub25jZQ';
