import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { log } from '../log/index.js';
import { isForbiddenAddress, webhookUrlProblem, type WebhookConfig } from './config.js';
import type { EventBridgeEnvelope } from './envelope.js';
import { SIGNATURE_HEADER, signWebhook } from './signature.js';

/**
 * One webhook delivery: POST the envelope, signed, retrying what a later attempt may fix (network
 * errors, timeouts, 408, 429, 5xx) with exponential backoff and full jitter, or the receiver's
 * Retry-After. Nothing else is retried: a 4xx will be a 4xx again, and a redirect is refused
 * outright (following one would send a signed body, and our egress, wherever a tenant points it).
 *
 * Delivery is at least once: a retry after a timeout may reach a receiver that had already
 * processed the first attempt, so receivers dedupe on X-CA-Event-Id (the event's id, stable
 * across attempts). Logs carry the event id, the host and outcomes: never the secret, the
 * signature, the body or the URL's path and query (which some receivers use for a token).
 */

export const EVENT_ID_HEADER = 'X-CA-Event-Id';
export const USER_AGENT = 'openstack-ca-notify/1';

export type DeliveryError =
  /** The stored URL no longer passes the checks (attempts: 0). */
  | 'WEBHOOK_URL_REFUSED'
  /** The host resolves to a private, loopback or reserved address (attempts: 0). */
  | 'WEBHOOK_DESTINATION_REFUSED'
  | 'WEBHOOK_TIMEOUT'
  | 'WEBHOOK_NETWORK_ERROR'
  | 'WEBHOOK_REDIRECT_REFUSED'
  | 'WEBHOOK_HTTP_ERROR';

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last attempt, when it got an answer. */
  lastStatus?: number;
  /** Why the last attempt failed; absent once delivered. */
  lastError?: DeliveryError;
  /** Not delivered, but a later try may be (the caller can re-queue); absent once delivered. */
  retryable?: boolean;
}

export interface DeliveryOptions {
  fetch?: typeof globalThis.fetch;
  /** Epoch milliseconds; the signature's timestamp. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter. */
  random?: () => number;
  /** Per attempt, until the response headers. */
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Ceiling of one backoff delay. */
  maxDelayMs?: number;
  /** Ceiling of a receiver's Retry-After: longer waits are cut to this. */
  maxRetryAfterMs?: number;
  /** Resolves a host name to its addresses, to refuse internal destinations. */
  lookup?: (host: string) => Promise<string[]>;
  /** Development and tests only: deliver to localhost, 127.0.0.0/8 and ::1. */
  allowLocalhost?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const defaultLookup = async (host: string) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(max, base·2^(n-1))). */
export function backoffDelayMs(failedAttempts: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `nowMs`; undefined if unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

type Failure = { ok: false; error: DeliveryError; retryable: boolean; status?: number; retryAfterMs?: number; cause?: string };
type Attempt = { ok: true; status: number } | Failure;

/** The system error code under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND...): useful, and no secret. */
function causeCode(e: unknown): string | undefined {
  for (const x of [(e as { cause?: unknown } | undefined)?.cause, e]) {
    const code = (x as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return code;
  }
  return e instanceof Error ? e.name : undefined;
}

async function attemptOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  fetchFn: typeof globalThis.fetch,
  timeoutMs: number,
  nowMs: number,
): Promise<Attempt> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetchFn(url, { method: 'POST', headers, body, redirect: 'manual', signal: abort.signal });
    // The answer's body means nothing to us; dropping it frees the connection.
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true, status: res.status };
    // Node answers a manual redirect with the 3xx itself, browsers with an opaque status-0 response.
    if ((res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect') return { ok: false, error: 'WEBHOOK_REDIRECT_REFUSED', retryable: false, status: res.status };
    const retryable = isRetryableStatus(res.status);
    return { ok: false, error: 'WEBHOOK_HTTP_ERROR', retryable, status: res.status, retryAfterMs: retryable ? parseRetryAfter(res.headers.get('retry-after'), nowMs) : undefined };
  } catch (e) {
    if (abort.signal.aborted) return { ok: false, error: 'WEBHOOK_TIMEOUT', retryable: true };
    return { ok: false, error: 'WEBHOOK_NETWORK_ERROR', retryable: true, cause: causeCode(e) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Refuses a host that resolves to an internal address. It narrows, without closing, the gap of a
 * name re-pointed between this look-up and fetch's own (DNS rebinding): the notifier must also
 * run where internal addresses are unreachable (see lib/notify/index.ts).
 */
async function destinationProblem(url: URL, lookup: (host: string) => Promise<string[]>, allowLocalhost: boolean): Promise<Failure | undefined> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) return undefined; // literals were judged by webhookUrlProblem
  let addresses: string[];
  try {
    addresses = await lookup(host);
  } catch (e) {
    return { ok: false, error: 'WEBHOOK_NETWORK_ERROR', retryable: true, cause: causeCode(e) };
  }
  if (addresses.length === 0) return { ok: false, error: 'WEBHOOK_NETWORK_ERROR', retryable: true, cause: 'ENOTFOUND' };
  if (addresses.some((a) => isForbiddenAddress(a, { allowLocalhost }))) return { ok: false, error: 'WEBHOOK_DESTINATION_REFUSED', retryable: false };
  return undefined;
}

export async function deliverWebhook(config: Pick<WebhookConfig, 'url' | 'secret'>, envelope: EventBridgeEnvelope, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
  const {
    fetch: fetchFn = globalThis.fetch,
    now = Date.now,
    sleep = defaultSleep,
    random = Math.random,
    timeoutMs = 5000,
    maxAttempts = 5,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    maxRetryAfterMs = 60_000,
    lookup = defaultLookup,
    allowLocalhost = false,
  } = opts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a whole number, at least 1.');

  const where = { eventId: envelope.id, project: envelope.account, detailType: envelope['detail-type'] };
  // Re-checked here, not only when saved: rules tighten, and a stored record is not proof it was checked.
  const urlProblem = webhookUrlProblem(config.url, { allowLocalhost });
  if (urlProblem) {
    log.warn('webhook not delivered: URL refused', { ...where, problem: urlProblem });
    return { delivered: false, attempts: 0, lastError: 'WEBHOOK_URL_REFUSED', retryable: false };
  }
  const url = new URL(config.url);
  const target = { ...where, host: url.host };

  // Serialised once: every attempt sends, and signs, the same bytes.
  const body = JSON.stringify(envelope);
  const send = async (): Promise<Attempt> => {
    const nowMs = now();
    // Signed per attempt: a retry after a long backoff must still be inside the receiver's window.
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      [EVENT_ID_HEADER]: envelope.id,
      [SIGNATURE_HEADER]: signWebhook(config.secret, body, Math.floor(nowMs / 1000)),
    };
    return attemptOnce(config.url, headers, body, fetchFn, timeoutMs, nowMs);
  };
  const gaveUp = (attempts: number, last: Failure): DeliveryResult => {
    log.warn('webhook not delivered', { ...target, attempts, error: last.error, status: last.status, cause: last.cause, retryable: last.retryable });
    return { delivered: false, attempts, ...(last.status !== undefined ? { lastStatus: last.status } : {}), lastError: last.error, retryable: last.retryable };
  };

  for (let attempt = 1; ; attempt++) {
    const refused = await destinationProblem(url, lookup, allowLocalhost);
    // Nothing was sent: not an attempt.
    if (refused?.error === 'WEBHOOK_DESTINATION_REFUSED') return gaveUp(attempt - 1, refused);
    const last = refused ?? (await send());
    if (last.ok) {
      log.info('webhook delivered', { ...target, attempts: attempt, status: last.status });
      return { delivered: true, attempts: attempt, lastStatus: last.status };
    }
    if (!last.retryable || attempt >= maxAttempts) return gaveUp(attempt, last);
    const delayMs = last.retryAfterMs !== undefined ? Math.min(last.retryAfterMs, maxRetryAfterMs) : backoffDelayMs(attempt, baseDelayMs, maxDelayMs, random);
    log.warn('webhook attempt failed', { ...target, attempt, error: last.error, status: last.status, cause: last.cause, retryInMs: delayMs });
    await sleep(delayMs);
  }
}
