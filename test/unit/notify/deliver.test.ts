import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  deliverWebhook,
  toEventBridge,
  USER_AGENT,
  verifyWebhookSignature,
  webhookSignatureFailure,
  type DeliveryOptions,
  type EventBridgeEnvelope,
} from '../../../lib/notify/index.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789';
const MARKER = 'serial-4f1c9e-body-only';

const envelope: EventBridgeEnvelope = toEventBridge({
  id: '018f3a5e-1111-7000-8000-000000000001',
  time: '2024-05-01T12:00:00Z',
  projectId: '0123456789abcdef0123456789abcdef',
  action: 'certificate.issued',
  object: { type: 'certificate', id: 'c1' },
  detail: { serial: MARKER },
});

type Reply = (res: ServerResponse) => void;
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const status = (code: number, headers: Record<string, string> = {}): Reply => (res) => res.writeHead(code, headers).end('{"answer":"x"}');
/** Never answers (until the test ends): the client's timeout must give up on it. */
const hang: Reply = (res) => void hanging.push(res);

let server: Server;
let base: string;
let replies: Reply[] = [];
let fallback: Reply = status(200);
let received: Received[] = [];
let hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      (replies.shift() ?? fallback)(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const res of hanging) res.destroy();
  replies = [];
  fallback = status(200);
  received = [];
  hanging = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Records the delays instead of waiting them; jitter fixed at one half. */
function harness(extra: DeliveryOptions = {}) {
  const delays: number[] = [];
  const opts: DeliveryOptions = { allowLocalhost: true, sleep: async (ms) => void delays.push(ms), random: () => 0.5, ...extra };
  return { delays, opts };
}

const config = () => ({ url: `${base}/hook?token=receiver-path-token`, secret: SECRET });

describe('deliverWebhook against a real HTTP receiver', () => {
  it('POSTs the envelope as JSON with headers the receiver can verify', async () => {
    const { opts } = harness();
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: true, attempts: 1, lastStatus: 200 });

    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r.path).toBe('/hook?token=receiver-path-token');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe(USER_AGENT);
    expect(r.headers['x-ca-event-id']).toBe(envelope.id);
    expect(JSON.parse(r.body)).toEqual(envelope);

    const header = r.headers['x-ca-signature'];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, header, r.body, Date.now())).toBe(true);
    expect(webhookSignatureFailure(SECRET, header, r.body.replace(MARKER, 'serial-forged'), Date.now())).toBe('SIGNATURE_MISMATCH');
    expect(webhookSignatureFailure('whsec-wrong-0123456789abcdef0123456789', header, r.body, Date.now())).toBe('SIGNATURE_MISMATCH');
    expect(webhookSignatureFailure(SECRET, header, r.body, Date.now() + 301_000)).toBe('SIGNATURE_STALE');
  });

  it('signs with the injected clock', async () => {
    const fixed = 1_700_000_000_000;
    await deliverWebhook(config(), envelope, harness({ now: () => fixed }).opts);
    const { headers, body } = received[0];
    expect(headers['x-ca-signature']).toMatch(/^t=1700000000,/);
    expect(verifyWebhookSignature(SECRET, headers['x-ca-signature'], body, fixed + 60_000)).toBe(true);
    expect(webhookSignatureFailure(SECRET, headers['x-ca-signature'], body, Date.now())).toBe('SIGNATURE_STALE');
  });

  it('retries after a 500 with jittered backoff, re-signing each attempt, then succeeds', async () => {
    replies = [status(500), status(503)];
    let clock = 1_700_000_000_000;
    const { delays, opts } = harness({ now: () => (clock += 10_000) });
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: true, attempts: 3, lastStatus: 200 });
    // Full jitter at 0.5: half of 500 ms, then half of 1000 ms.
    expect(delays).toEqual([250, 500]);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers['x-ca-event-id']))).toEqual(new Set([envelope.id]));
    expect(new Set(received.map((r) => r.headers['x-ca-signature'])).size).toBe(3);
    received.forEach((r, i) => expect(verifyWebhookSignature(SECRET, r.headers['x-ca-signature'], r.body, 1_700_000_000_000 + (i + 1) * 10_000)).toBe(true));
  });

  it('gives up after maxAttempts, with the last status', async () => {
    replies = [status(500), status(500)];
    fallback = status(502);
    const { delays, opts } = harness({ maxAttempts: 3, baseDelayMs: 100 });
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: false, attempts: 3, lastStatus: 502, lastError: 'WEBHOOK_HTTP_ERROR', retryable: true });
    expect(received).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
  });

  it('caps the exponential backoff', async () => {
    fallback = status(500);
    const { delays, opts } = harness({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.999 });
    await deliverWebhook(config(), envelope, opts);
    expect(delays).toEqual([999, 1998, 3996, 4995, 4995]);
  });

  it.each([400, 401, 404, 410, 422])('does not retry a %i', async (code) => {
    fallback = status(code);
    const { delays, opts } = harness();
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: false, attempts: 1, lastStatus: code, lastError: 'WEBHOOK_HTTP_ERROR', retryable: false });
    expect(received).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('waits what Retry-After says (seconds or a date), capped', async () => {
    const fixed = 1_700_000_000_000;
    replies = [
      status(429, { 'Retry-After': '2' }),
      status(503, { 'Retry-After': '3600' }),
      status(503, { 'Retry-After': new Date(fixed + 5000).toUTCString() }),
      status(429, { 'Retry-After': 'soon' }),
    ];
    const { delays, opts } = harness({ now: () => fixed, maxRetryAfterMs: 10_000 });
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toMatchObject({ delivered: true, attempts: 5 });
    // An unreadable Retry-After falls back to the backoff: attempt 4, half of 500·2³.
    expect(delays).toEqual([2000, 10_000, 5000, 2000]);
  });

  it('counts a timeout as a retryable failure', async () => {
    replies = [hang];
    const { delays, opts } = harness({ timeoutMs: 150 });
    const started = Date.now();
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: true, attempts: 2, lastStatus: 200 });
    expect(delays).toEqual([250]);
    expect(Date.now() - started).toBeLessThan(3000);

    fallback = hang;
    const failed = await deliverWebhook(config(), envelope, harness({ timeoutMs: 100, maxAttempts: 2 }).opts);
    expect(failed).toEqual({ delivered: false, attempts: 2, lastError: 'WEBHOOK_TIMEOUT', retryable: true });
  });

  it.each([301, 302, 307, 308])('does not follow a %i', async (code) => {
    replies = [status(code, { Location: `${base}/elsewhere` })];
    const { delays, opts } = harness();
    const result = await deliverWebhook(config(), envelope, opts);
    expect(result).toEqual({ delivered: false, attempts: 1, lastStatus: code, lastError: 'WEBHOOK_REDIRECT_REFUSED', retryable: false });
    expect(received.map((r) => r.path)).toEqual(['/hook?token=receiver-path-token']);
    expect(delays).toEqual([]);
  });

  it('retries a refused connection, then reports it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { delays, opts } = harness({ maxAttempts: 3 });
    const result = await deliverWebhook({ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, envelope, opts);
    expect(result).toEqual({ delivered: false, attempts: 3, lastError: 'WEBHOOK_NETWORK_ERROR', retryable: true });
    expect(delays).toHaveLength(2);
  });

  it('never logs the secret, the signature, the body or the URL path', async () => {
    replies = [status(500)];
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => (lines.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await deliverWebhook(config(), envelope, harness().opts);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const logged = lines.join('');
    // The delivery is visible in the logs...
    expect(logged).toContain(envelope.id);
    expect(logged).toContain('webhook attempt failed');
    expect(logged).toContain('webhook delivered');
    // ...and none of what must stay out of them is.
    const signatures = received.map((r) => String(r.headers['x-ca-signature']).split('v1=')[1]);
    for (const s of [SECRET, MARKER, 'receiver-path-token', '/hook', ...signatures]) expect(logged).not.toContain(s);
  });
});

describe('deliverWebhook refuses internal destinations before sending', () => {
  const okFetch = () => vi.fn(async () => new Response(null, { status: 204 }));

  it('refuses a URL that fails the checks, loopback included unless allowed', async () => {
    const fetch = okFetch();
    for (const url of ['http://hooks.example.org/h', 'https://169.254.169.254/latest', `${base}/hook`]) {
      const result = await deliverWebhook({ url, secret: SECRET }, envelope, { fetch, sleep: async () => {} });
      expect(result, url).toEqual({ delivered: false, attempts: 0, lastError: 'WEBHOOK_URL_REFUSED', retryable: false });
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses a name that resolves to a private address, and sends to a public one', async () => {
    const fetch = okFetch();
    const internal = await deliverWebhook({ url: 'https://hooks.example.org/h', secret: SECRET }, envelope, { fetch, lookup: async () => ['93.184.215.14', '10.0.0.7'] });
    expect(internal).toEqual({ delivered: false, attempts: 0, lastError: 'WEBHOOK_DESTINATION_REFUSED', retryable: false });
    expect(fetch).not.toHaveBeenCalled();

    const pub = await deliverWebhook({ url: 'https://hooks.example.org/h', secret: SECRET }, envelope, { fetch, lookup: async () => ['93.184.215.14'] });
    expect(pub).toEqual({ delivered: true, attempts: 1, lastStatus: 204 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]).toMatchObject(['https://hooks.example.org/h', { method: 'POST', redirect: 'manual' }]);
  });

  it('treats a failed look-up as a retryable network error', async () => {
    const fetch = okFetch();
    const delays: number[] = [];
    const lookup = vi
      .fn<(host: string) => Promise<string[]>>()
      .mockRejectedValueOnce(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }))
      .mockResolvedValue(['93.184.215.14']);
    const result = await deliverWebhook({ url: 'https://hooks.example.org/h', secret: SECRET }, envelope, { fetch, lookup, sleep: async (ms) => void delays.push(ms), random: () => 0 });
    expect(result).toEqual({ delivered: true, attempts: 2, lastStatus: 204 });
    expect(delays).toEqual([0]);
  });
});
