import { createHash } from 'node:crypto';
import { errors, flattenedVerify, importJWK, type JWK } from 'jose';
import { decodeBase64url, decodeUtf8, isPlainObject, parseJson, quote } from './encoding.js';
import { ACCOUNT_ALGORITHMS, isAccountAlgorithm, isJwkShape, publicAccountKey, thumbprintOf } from './jwk.js';
import { AcmeProblem } from './problem.js';

/**
 * The ACME request envelope (RFC 8555 6.2): parse strictly first, then verify with jose. Everything a
 * client controls is checked here before jose sees it, because jose is more permissive than ACME (it
 * reads an unprotected `header`, `crit` and `b64`); and every refusal is an AcmeProblem, so a route
 * can answer any input with a problem document.
 */

export { ACCOUNT_ALGORITHMS } from './jwk.js';

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

export interface ProtectedHeader {
  alg: string;
  nonce?: string;
  url: string;
  jwk?: JWK;
  kid?: string;
}

/**
 * Larger bodies are refused before JSON parsing. ACME requests are small (a CSR is the biggest: a few
 * KiB). 413 with type `malformed`, as boulder pairs malformed with 405/408/411/415 for transport faults.
 */
export const MAX_JWS_BODY_BYTES = 64 * 1024;

export const EAB_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

const malformed = (detail: string) => new AcmeProblem('malformed', detail);
const MEMBERS = ['protected', 'payload', 'signature'] as const;

/** The strict flattened JSON serialization: exactly the three string members, strict base64url, a JSON-object protected header. */
function flattened(value: unknown, what: string): { jws: FlattenedJws; header: Record<string, unknown> } {
  if (!isPlainObject(value)) throw malformed(`${what} must be a JSON object (the flattened JWS JSON serialization)`);
  if (Object.hasOwn(value, 'signatures')) throw malformed(`${what} uses the general serialization ("signatures"): send the flattened one`);
  if (Object.hasOwn(value, 'header')) throw malformed(`${what} has an unprotected "header": every header parameter must be in "protected"`);
  const extra = Object.keys(value).find((k) => !(MEMBERS as readonly string[]).includes(k));
  if (extra !== undefined) throw malformed(`${what} has the unexpected member ${quote(extra)}`);
  for (const m of MEMBERS) {
    const v = value[m];
    if (typeof v !== 'string') throw malformed(`${what} "${m}" must be a string`);
    if (decodeBase64url(v) === undefined) throw malformed(`${what} "${m}" is not unpadded base64url ([A-Za-z0-9_-] only)`);
    if (v === '' && m !== 'payload') throw malformed(`${what} "${m}" is empty`);
  }
  const jws: FlattenedJws = { protected: value.protected as string, payload: value.payload as string, signature: value.signature as string };
  const text = decodeUtf8(decodeBase64url(jws.protected) ?? Buffer.alloc(0));
  const parsed = text === undefined ? undefined : parseJson(text);
  if (parsed === undefined || !isPlainObject(parsed.value)) throw malformed(`${what} protected header is not a JSON object`);
  const header = parsed.value;
  // `crit` could make a verifier skip checks it does not know, `b64: false` changes what is signed: ACME uses neither.
  for (const p of ['crit', 'b64']) if (Object.hasOwn(header, p)) throw malformed(`${what} protected header has "${p}", which ACME does not use`);
  return { jws, header };
}

/** The header rules of an account-key-signed request (RFC 8555 6.2), shared by requests and key-change inner JWSs. */
function accountHeader(h: Record<string, unknown>, what: string): ProtectedHeader {
  const alg = h.alg;
  if (typeof alg !== 'string') throw malformed(`${what} protected header "alg" must be a string`);
  if (!isAccountAlgorithm(alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', `${what} "alg" ${quote(alg)} is not accepted; use one of ${ACCOUNT_ALGORITHMS.join(', ')}`);
  }
  const hasJwk = Object.hasOwn(h, 'jwk');
  if (hasJwk === Object.hasOwn(h, 'kid')) throw malformed(`${what} protected header must have exactly one of "jwk" and "kid"`);
  if (typeof h.url !== 'string') throw malformed(`${what} protected header "url" must be a string`);
  if (Object.hasOwn(h, 'nonce') && typeof h.nonce !== 'string') throw malformed(`${what} protected header "nonce" must be a string`);
  const out: ProtectedHeader = { alg, url: h.url };
  if (typeof h.nonce === 'string') out.nonce = h.nonce;
  if (hasJwk) {
    if (!isJwkShape(h.jwk)) throw malformed(`${what} protected header "jwk" is not a JWK`);
    out.jwk = h.jwk;
  } else {
    if (typeof h.kid !== 'string' || h.kid === '') throw malformed(`${what} protected header "kid" must be a non-empty string (the account URL)`);
    out.kid = h.kid;
  }
  return out;
}

export function parseJws(body: string | undefined): { jws: FlattenedJws; header: ProtectedHeader } {
  if (typeof body !== 'string' || body === '') throw malformed('request body is empty: expected a flattened JWS');
  if (body.length > MAX_JWS_BODY_BYTES || Buffer.byteLength(body, 'utf8') > MAX_JWS_BODY_BYTES) {
    throw new AcmeProblem('malformed', `request body is larger than ${MAX_JWS_BODY_BYTES} bytes`, { status: 413 });
  }
  const parsed = parseJson(body);
  if (parsed === undefined) throw malformed('request body is not JSON');
  const { jws, header } = flattened(parsed.value, 'JWS');
  return { jws, header: accountHeader(header, 'JWS') };
}

/** jose's verification, with every failure an AcmeProblem. Boulder answers a bad signature with `malformed`. */
async function verifySignature(jws: FlattenedJws, alg: string, publicJwk: JWK, what: string): Promise<Buffer> {
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(publicJwk, alg);
  } catch {
    // Node refuses points off the curve and similar: the members were well formed but are not a key.
    throw new AcmeProblem('badPublicKey', `${what} key is not a valid ${alg} public key`);
  }
  try {
    const { payload } = await flattenedVerify({ protected: jws.protected, payload: jws.payload, signature: jws.signature }, key, { algorithms: [alg] });
    return Buffer.from(payload);
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) throw malformed(`${what} signature invalid`);
    throw malformed(`${what} could not be verified`);
  }
}

async function verifyEmbedded(jws: FlattenedJws, header: ProtectedHeader, what: string): Promise<{ payload: Buffer; jwk: JWK; thumbprint: string }> {
  if (header.jwk === undefined) throw malformed(`${what} must carry the public key as "jwk" (this resource takes no "kid")`);
  const jwk = publicAccountKey(header.jwk, header.alg);
  const payload = await verifySignature(jws, header.alg, jwk, what);
  return { payload, jwk, thumbprint: await thumbprintOf(jwk) };
}

/**
 * newAccount and revokeCert-by-certificate-key: verified with the embedded `jwk`. Returns the key reduced
 * to its required public members (what to store) and its RFC 7638 thumbprint (what to index it by).
 */
export function verifyWithJwk(jws: FlattenedJws, header: ProtectedHeader): Promise<{ payload: Buffer; jwk: JWK; thumbprint: string }> {
  return verifyEmbedded(jws, header, 'JWS');
}

/** Every other request: signed by the account key the caller found by `kid`. */
export async function verifyWithAccountKey(jws: FlattenedJws, header: ProtectedHeader, accountJwk: JWK): Promise<Buffer> {
  if (header.kid === undefined) throw malformed('JWS must name the account by "kid" (only newAccount and revokeCert take "jwk")');
  return verifySignature(jws, header.alg, publicAccountKey(accountJwk, header.alg), 'JWS');
}

/** The payload as JSON; undefined for the empty payload of POST-as-GET (RFC 8555 6.3). */
export function payloadJson(payload: Buffer): unknown {
  if (payload.length === 0) return undefined;
  const text = decodeUtf8(payload);
  const parsed = text === undefined ? undefined : parseJson(text);
  if (parsed === undefined) throw malformed('JWS payload is not JSON');
  return parsed.value;
}

/** The payload of an inner JWS as a JSON object, for EAB and key-change, which never have an empty payload. */
function objectPayload(payload: Buffer, what: string): Record<string, unknown> {
  const value = payload.length === 0 ? undefined : payloadJson(payload);
  if (!isPlainObject(value)) throw malformed(`${what} payload must be a JSON object`);
  return value;
}

/**
 * RFC 8555 7.3.4 external account binding: a MAC by the EAB key over the account key, so only a holder
 * of an EAB credential can create an account. `hmacKeyOf` errors (storage) propagate unchanged.
 */
export async function verifyEab(
  eab: unknown,
  opts: { accountJwk: JWK; url: string; hmacKeyOf(kid: string): Promise<Buffer | undefined> },
): Promise<{ kid: string }> {
  const what = 'externalAccountBinding';
  const { jws, header } = flattened(eab, what);
  const alg = header.alg;
  if (typeof alg !== 'string') throw malformed(`${what} protected header "alg" must be a string`);
  if (!EAB_ALGORITHMS.includes(alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', `${what} "alg" ${quote(alg)} is not accepted; use one of ${EAB_ALGORITHMS.join(', ')}`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw malformed(`${what} protected header "kid" must be the EAB key id`);
  if (header.url !== opts.url) throw malformed(`${what} protected header "url" must equal the newAccount URL`);
  for (const p of ['nonce', 'jwk']) if (Object.hasOwn(header, p)) throw malformed(`${what} protected header must not have "${p}"`);
  if (jws.payload === '') throw malformed(`${what} payload must be the account key`);

  const hmacKey = await opts.hmacKeyOf(header.kid);
  if (hmacKey === undefined) throw new AcmeProblem('unauthorized', `${what} key id ${quote(header.kid)} is unknown, expired or already used`);
  let payload: Buffer;
  try {
    payload = Buffer.from((await flattenedVerify(jws, hmacKey, { algorithms: [...EAB_ALGORITHMS] })).payload);
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) throw new AcmeProblem('unauthorized', `${what} MAC is invalid`);
    throw malformed(`${what} could not be verified`);
  }
  const bound = await thumbprintOf(objectPayload(payload, what), `${what} payload`);
  if (bound !== (await thumbprintOf(opts.accountJwk))) throw malformed(`${what} payload must be the account key (the outer "jwk")`);
  return { kid: header.kid };
}

/**
 * RFC 8555 7.3.5 key change: the inner JWS, signed by the new key, says which account and which old
 * key it replaces, so a stolen outer request cannot be redirected. Whether the new key is already some
 * account's is the caller's check (409 `conflict`).
 */
export async function verifyKeyChange(inner: unknown, opts: { outerUrl: string; accountUrl: string; oldJwk: JWK }): Promise<{ newJwk: JWK; thumbprint: string }> {
  const what = 'key-change inner JWS';
  const { jws, header: raw } = flattened(inner, what);
  const header = accountHeader(raw, what);
  if (header.jwk === undefined) throw malformed(`${what} must carry the new key as "jwk", not a "kid"`);
  if (header.nonce !== undefined) throw malformed(`${what} must not have a "nonce"`);
  if (header.url !== opts.outerUrl) throw malformed(`${what} "url" must equal the outer JWS "url"`);
  const { payload, jwk, thumbprint } = await verifyEmbedded(jws, header, what);
  const body = objectPayload(payload, what);
  if (body.account !== opts.accountUrl) throw malformed(`${what} payload "account" must be the URL of the account signing the outer JWS`);
  const oldThumbprint = await thumbprintOf(opts.oldJwk);
  if ((await thumbprintOf(body.oldKey, `${what} payload "oldKey"`)) !== oldThumbprint) {
    throw malformed(`${what} payload "oldKey" is not the account's current key`);
  }
  if (thumbprint === oldThumbprint) throw malformed(`${what} new key is the account's current key`);
  return { newJwk: jwk, thumbprint };
}

/** RFC 8555 8.1: token ‖ "." ‖ base64url(JWK thumbprint). */
export async function keyAuthorization(token: string, jwk: JWK): Promise<string> {
  return `${token}.${await thumbprintOf(jwk)}`;
}

/** RFC 8555 8.4: the TXT record value of `_acme-challenge`. */
export function dns01Value(keyAuthorization: string): string {
  return createHash('sha256').update(keyAuthorization, 'utf8').digest('base64url');
}

/** A payload that must be a JSON object (newAccount, newOrder, finalize...): anything else is `malformed`. */
export function payloadObject(payload: unknown, what: string): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new AcmeProblem('malformed', `the ${what} payload must be a JSON object`);
  return payload as Record<string, unknown>;
}
