/**
 * Raw ACME requests for the protocol-edge suites: flattened JWSs signed with jose's FlattenedSign, so a
 * test can send what no well-behaved client would (a replayed nonce, a wrong `url`, both `jwk` and
 * `kid`, an unprotected header, an alg the server refuses).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, FlattenedSign, type JWK, type JWSHeaderParameters } from 'jose';
import { checkAnswer } from './contract.js';

export interface AccountKey {
  /** PKCS#8 PEM, what acme-client takes. */
  pem: string;
  privateKey: KeyObject;
  jwk: JWK;
  alg: string;
}

/** An ES256 key (or the key of `pem`, e.g. a certificate's key from acme-client). */
export async function accountKey(pem?: string): Promise<AccountKey> {
  const privatePem = pem ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateKey = createPrivateKey(privatePem);
  const jwk = await exportJWK(createPublicKey(privateKey));
  const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.crv === 'P-384' ? 'ES384' : 'ES256';
  return { pem: privatePem, privateKey, jwk, alg };
}

const b64 = (v: string | Uint8Array) => Buffer.from(v).toString('base64url');

/** The new-nonce URL of the directory a resource URL belongs to. */
export const newNonceUrlOf = (url: string) => url.replace(/\/acme\/.*$/, '/acme/new-nonce');

export async function freshNonce(url: string): Promise<string> {
  const res = await fetch(newNonceUrlOf(url), { method: 'HEAD' });
  if (process.env.API_CONTRACT) checkAnswer('HEAD', new URL(res.url).pathname, res.status, res.headers.get('content-type'), undefined);
  const nonce = res.headers.get('replay-nonce');
  if (!nonce) throw new Error(`no Replay-Nonce from ${newNonceUrlOf(url)} (${res.status})`);
  return nonce;
}

export interface SignOpts {
  key: AccountKey;
  /** The account URL; without it the key goes in as `jwk`. */
  kid?: string;
  /** Put `jwk` in as well as `kid` (only with kid), or force it (true). */
  jwk?: boolean;
  /** A nonce; default a fresh one from the directory; null: no nonce member. */
  nonce?: string | null;
  /** Another `alg` than the key's: the signature is then a placeholder (the server must refuse before verifying). */
  alg?: string;
  /** The `url` header; default the URL posted to. */
  headerUrl?: string;
  /** More protected-header members. */
  extraHeader?: Record<string, unknown>;
  /** More members of the JWS object itself (e.g. an unprotected `header`). */
  extraMembers?: Record<string, unknown>;
}

/** A flattened JWS of `payload` (undefined: POST-as-GET, the empty payload). */
export async function signJws(url: string, payload: unknown, opts: SignOpts): Promise<Record<string, unknown>> {
  const nonce = opts.nonce === undefined ? await freshNonce(url) : opts.nonce;
  const header: Record<string, unknown> = { alg: opts.alg ?? opts.key.alg, url: opts.headerUrl ?? url, ...(nonce === null ? {} : { nonce }) };
  if (opts.kid) header.kid = opts.kid;
  if (!opts.kid || opts.jwk) header.jwk = opts.key.jwk;
  Object.assign(header, opts.extraHeader);
  const bytes = payload === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  let jws: { protected?: string; payload: string; signature: string };
  if (opts.alg && opts.alg !== opts.key.alg) {
    jws = { protected: b64(JSON.stringify(header)), payload: b64(bytes), signature: b64('not a signature') };
  } else {
    jws = await new FlattenedSign(bytes).setProtectedHeader(header as JWSHeaderParameters).sign(opts.key.privateKey);
  }
  return { protected: jws.protected, payload: jws.payload, signature: jws.signature, ...opts.extraMembers };
}

export interface AcmeAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function postRaw(url: string, body: string): Promise<AcmeAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/jose+json' }, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  // The contract test (with-stack sets API_CONTRACT): the ACME answers too are what the API document lists.
  if (process.env.API_CONTRACT) checkAnswer('POST', new URL(url).pathname, res.status, res.headers.get('content-type'), parsed ?? (text || undefined));
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export async function signedPost(url: string, payload: unknown, opts: SignOpts): Promise<AcmeAnswer> {
  return postRaw(url, JSON.stringify(await signJws(url, payload, opts)));
}

/** An HS256 EAB JWS over `accountJwk` (RFC 8555 7.3.4). */
export async function eabJws(kid: string, hmacKey: Uint8Array, url: string, accountJwk: JWK): Promise<Record<string, unknown>> {
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(accountJwk))).setProtectedHeader({ alg: 'HS256', kid, url }).sign(hmacKey);
  return { ...jws };
}
