import { judge, type RouteKind, type Verdict } from './answers.js';

/**
 * One fuzzed request, as it is sent and as a finding prints it. `token` names which token rides in
 * X-Auth-Token (never the token itself, so a printed request holds no secret).
 */
export interface FuzzRequest {
  category: 'csr' | 'body' | 'jws';
  /** What the case is, for the summary: "POST /v1/cas/{id}/certificates: truncated". */
  label: string;
  kind: RouteKind;
  method: string;
  /** Path and query, relative to the API URL; or a full URL (the ACME resources). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** The name of the token sent, resolved by the sender (`none`: no X-Auth-Token). */
  token: string;
}

export interface Sent {
  request: FuzzRequest;
  verdict: Verdict;
  status: number;
  /** The answer's JSON body, when it has one (the job id of a 202). */
  json?: unknown;
  /** Its Replay-Nonce (ACME): the next signed request may use it. */
  nonce?: string;
  contentType?: string;
}

export interface SendOptions {
  apiUrl: string;
  tokens: Record<string, string>;
  timeoutMs: number;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function send(r: FuzzRequest, opts: SendOptions): Promise<Sent> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.token !== 'none') headers['X-Auth-Token'] = opts.tokens[r.token] ?? 'unknown-token-name';
  const url = /^https?:/.test(r.path) ? r.path : `${opts.apiUrl}${r.path}`;
  try {
    const res = await fetch(url, { method: r.method, headers, body: r.body, signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const verdict = judge(r.kind, { status: res.status, contentType, text, head: r.method === 'HEAD' });
    return { request: r, verdict, status: res.status, contentType, json: /json/.test(contentType) ? parseJson(text) : undefined, nonce: res.headers.get('replay-nonce') ?? undefined };
  } catch (e) {
    const err = e as Error;
    const hang = err.name === 'TimeoutError' || err.name === 'AbortError';
    return { request: r, status: 0, verdict: { ok: false, finding: hang ? 'hang' : 'connection failed', detail: hang ? `no answer within ${opts.timeoutMs} ms` : `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}` } };
  }
}

/** Runs `count` requests made by `make(i)` with `concurrency` in flight; `onSent` sees each answer in order of arrival. */
export async function runPool(count: number, concurrency: number, make: (i: number) => Promise<FuzzRequest> | FuzzRequest, onSent: (s: Sent, i: number) => void, opts: SendOptions): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) onSent(await send(await make(i), opts), i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** The request as a finding prints it: no token, the body cut to a readable length. */
export function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : Buffer.from(r.body).toString('base64');
  const shown = body.length > 600 ? `${body.slice(0, 600)}… (${body.length} characters)` : body;
  return `${r.method} ${r.path}\n  headers: ${JSON.stringify(r.headers)}; token: ${r.token}\n  body: ${shown}`;
}
