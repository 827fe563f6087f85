import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { JWK } from 'jose';
import { AppError } from '../errors/index.js';
import { baseUrlOf, requestIdOf } from '../http/request.js';
import { isUuid, unfitPathParam } from '../http/params.js';
import type { HttpResult } from '../http/response.js';
import { errorFields, log } from '../log/index.js';
import { acmeAccounts, cas, redeemNonce, type AcmeAccountRecord, type CaRecord } from '../store/index.js';
import { parseJws, verifyWithAccountKey, verifyWithJwk, payloadJson, type ProtectedHeader } from './jws.js';
import { checkNonce, mintNonce } from './nonce.js';
import { AcmeProblem, problemDocument, PROBLEM_CONTENT_TYPE } from './problem.js';
import { acmeKeys } from './secret.js';
import { acmeUrls, type AcmeUrls } from './urls.js';

/**
 * The ACME front end's one wrapper (Boulder's WFE): the directory's CA, the JWS checked (nonce
 * redeemed once, `url` equal to where it was sent, key or account), answers with a fresh nonce and
 * the index link, and every failure as application/problem+json. Handlers see only checked requests.
 */
export interface AcmeRequest {
  event: APIGatewayProxyEventV2;
  requestId: string;
  projectId: string;
  ca: CaRecord;
  urls: AcmeUrls;
  now: Date;
  /** Path parameters beyond project and CA (acct, order, authz, cert ids, challenge type). */
  params: Record<string, string | undefined>;
}

export interface SignedRequest {
  header: ProtectedHeader;
  /** undefined for POST-as-GET (empty payload). */
  payload: unknown;
  rawPayload: Buffer;
  /** With `kid`: the account, valid, of this directory. */
  account?: AcmeAccountRecord;
  /** With `jwk`: the key and its RFC 7638 thumbprint. */
  jwk?: { key: JWK; thumbprint: string };
}

export interface AcmeAnswer {
  status: number;
  body?: unknown;
  /** Instead of JSON: text with its content type (the PEM certificate chain). */
  text?: { data: string; contentType: string };
  headers?: Record<string, string>;
}

export type AcmeHandler = (req: AcmeRequest) => Promise<AcmeAnswer>;

/**
 * Local test knob (as Pebble's PEBBLE_WFE_NONCEREJECT): refuse this share of valid nonces, in
 * percent. Every n-th valid nonce, not at random: a client that retries once with the fresh nonce
 * of the error always gets through, so the suites that prove retries cannot fail by chance.
 */
const rejectEvery = () => {
  const share = Number(process.env.ACME_NONCE_REJECT_PERCENT ?? 0);
  return share > 0 ? Math.max(2, Math.round(100 / share)) : 0;
};
let validNonces = 0;

/** A nonce's scope: the directory (project and CA) it was minted at, the only one that takes it. */
const nonceScope = (projectId: string, caId: string) => `${projectId}/${caId}`;

export async function freshNonce(now: Date, scope: string): Promise<string> {
  return mintNonce((await acmeKeys()).nonceKey, now, undefined, scope);
}

/** Reads and checks a signed POST. `key: 'jwk'` for new-account; `'either'` for revoke-cert; else an account's kid. */
export async function readSigned(req: AcmeRequest, key: 'kid' | 'jwk' | 'either' = 'kid'): Promise<SignedRequest> {
  const { event } = req;
  const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const { jws, header } = parseJws(body);
  if (!header.nonce) throw new AcmeProblem('badNonce', 'the JWS protected header has no nonce; get one from newNonce');
  const expires = checkNonce((await acmeKeys()).nonceKey, header.nonce, req.now, nonceScope(req.projectId, req.ca.id));
  if (!expires) throw new AcmeProblem('badNonce', 'the nonce is not one this directory issued, or it expired; get a fresh one from this directory\'s newNonce');
  if (rejectEvery() && ++validNonces % rejectEvery() === 0) throw new AcmeProblem('badNonce', 'the nonce was refused (a test setting refuses a share of valid nonces)');
  if (!(await redeemNonce(req.projectId, header.nonce, expires.expiresAt))) throw new AcmeProblem('badNonce', 'the nonce was used already; use the one in the last Replay-Nonce header');
  // Exactly the URL the request went to (query included, as a paged orders list has), on the configured base.
  const marker = `/cas/${req.ca.id}/acme`;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const requestUrl = `${req.urls.base}${event.rawPath.slice(event.rawPath.indexOf(marker) + marker.length)}${query}`;
  if (header.url !== requestUrl) throw new AcmeProblem('unauthorized', `the JWS "url" is ${JSON.stringify(header.url)} but the request went to ${requestUrl}`);

  if (header.jwk) {
    if (key === 'kid') throw new AcmeProblem('malformed', 'this request must be signed by an account key and name it by "kid", not "jwk"');
    const verified = await verifyWithJwk(jws, header);
    return { header, rawPayload: verified.payload, payload: payloadJson(verified.payload), jwk: { key: verified.jwk, thumbprint: verified.thumbprint } };
  }
  if (key === 'jwk') throw new AcmeProblem('malformed', 'this request must carry the account key as "jwk", not a "kid"');
  const account = await accountOfKid(req, header.kid!);
  const rawPayload = await verifyWithAccountKey(jws, header, account.jwk);
  return { header, rawPayload, payload: payloadJson(rawPayload), account };
}

async function accountOfKid(req: AcmeRequest, kid: string): Promise<AcmeAccountRecord> {
  const prefix = req.urls.account('');
  const id = kid.startsWith(prefix) ? kid.slice(prefix.length) : '';
  const account = isUuid(id) ? await acmeAccounts.get(req.projectId, id) : undefined;
  if (!account || account.caId !== req.ca.id) throw new AcmeProblem('accountDoesNotExist', `no account ${kid} in this directory`);
  if (account.status !== 'valid') throw new AcmeProblem('unauthorized', `account ${kid} is ${account.status}`);
  return account;
}

/** An AppError of the domain as an ACME problem of `type` (its message is written for users already). */
export function problemOf(e: AppError, type: ConstructorParameters<typeof AcmeProblem>[0]): AcmeProblem {
  return new AcmeProblem(type, e.message);
}

function answer(status: number, body: string, contentType: string, headers: Record<string, string>): HttpResult {
  return { statusCode: status, headers: { 'Content-Type': contentType, ...headers }, body };
}

export function acmeRoute(handlers: Record<string, AcmeHandler>) {
  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>().handler(async (event) => {
    const requestId = requestIdOf(event);
    const now = new Date();
    const params = (event.pathParameters ?? {}) as Record<string, string | undefined>;
    const baseUrl = baseUrlOf(event);
    const projectId = params.project ?? '';
    const caId = params.id ?? '';
    const urls = acmeUrls(baseUrl, projectId, caId);
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', Link: `<${urls.directory}>;rel="index"`, 'x-openstack-request-id': requestId };
    try {
      headers['Replay-Nonce'] = await freshNonce(now, nonceScope(projectId, caId));
      const route = (event.routeKey ?? '').replace(/^(\w+) .*\/acme\//, '$1 ');
      const handler = handlers[route];
      if (!handler) throw new AcmeProblem('malformed', `no ACME resource at ${event.rawPath}`, { status: 404 });
      if (unfitPathParam({ project: 'project', id: 'ca' }, params)) throw new AcmeProblem('malformed', 'no ACME directory here', { status: 404 });
      const found = await cas.get(projectId, caId);
      // A login CA issues only through enrollment: it is no ACME server.
      const ca = found?.kind === 'login' ? undefined : found;
      if (!ca || ca.status !== 'active') throw new AcmeProblem('malformed', `no ACME directory for CA ${caId} in project ${projectId}${ca ? ` (the CA is ${ca.status})` : ''}`, { status: 404 });
      const result = await handler({ event, requestId, projectId, ca, urls, now, params });
      log.info('acme', { requestId, route, status: result.status, project: projectId });
      if (result.text) return answer(result.status, result.text.data, result.text.contentType, { ...headers, ...result.headers });
      return answer(result.status, result.body === undefined ? '' : JSON.stringify(result.body), 'application/json', { ...headers, ...result.headers });
    } catch (e) {
      const problem = e instanceof AcmeProblem ? e : e instanceof AppError && e.status < 500 ? new AcmeProblem('malformed', e.message, { status: e.status }) : undefined;
      if (!problem) log.error('acme request failed', { requestId, route: event.routeKey, ...errorFields(e) });
      const p = problem ?? new AcmeProblem('serverInternal', e instanceof AppError ? e.message : 'the server could not answer this request; try again');
      const extra: Record<string, string> = e instanceof AppError && e.retryAfter !== undefined ? { 'Retry-After': String(e.retryAfter) } : {};
      return answer(p.status, JSON.stringify(problemDocument(p)), PROBLEM_CONTENT_TYPE, { ...headers, ...extra, ...p.headers });
    }
  });
}
