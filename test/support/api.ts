import { checkAnswer } from './contract.js';

/** A small client for the running stack (API_URL, OS_AUTH_URL are set by scripts/with-stack.ts). */
const apiUrl = () => process.env.API_URL ?? 'http://127.0.0.1:13000';
export const AUTH_URL = process.env.OS_AUTH_URL ?? '';
const authUrl = () => process.env.OS_AUTH_URL ?? '';

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function keystoneToken(user: string, password: string, project?: string): Promise<string> {
  const auth: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
  };
  if (project) auth.scope = { project: { name: project, domain: { id: 'default' } } };
  const res = await fetch(`${authUrl()}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ auth }) });
  if (res.status !== 201) throw new Error(`keystone login of ${user} failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res.headers.get('x-subject-token')!;
}

/** A system-scoped token (`"scope": {"system": {"all": true}}`): the cloud operator's. */
export async function systemToken(user: string, password: string): Promise<string> {
  const auth = { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { system: { all: true } } };
  const res = await fetch(`${authUrl()}/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ auth }) });
  if (res.status !== 201) throw new Error(`keystone system login of ${user} failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return res.headers.get('x-subject-token')!;
}

export async function api<T = any>(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(`${apiUrl()}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: tests assert on it */
  }
  // The contract test (with-stack sets API_CONTRACT): an answer the API document does not describe throws.
  if (process.env.API_CONTRACT) checkAnswer(method, path, res.status, res.headers.get('content-type'), parsed);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Polls a job until it finishes (bounded). */
export async function waitForJob(token: string, jobId: string, timeoutMs = 30_000, pollMs = 20): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api('GET', `/v1/jobs/${jobId}`, { token });
    if (status !== 200) throw new Error(`GET job ${jobId}: ${status} ${JSON.stringify(body)}`);
    if (body.job.status === 'succeeded' || body.job.status === 'failed') return body.job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${body.job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Creates a CA and waits until it is active; returns the CA view. */
export async function createActiveCa(token: string, body: Record<string, unknown>): Promise<any> {
  const created = await api('POST', '/v1/cas', { token, body });
  if (created.status !== 202) throw new Error(`create CA: ${created.status} ${JSON.stringify(created.body)}`);
  const job = await waitForJob(token, created.body.job.id);
  if (job.status !== 'succeeded') throw new Error(`CA job failed: ${job.reason}`);
  return (await api('GET', `/v1/cas/${created.body.ca.id}`, { token })).body.ca;
}

/** Barbican's public URL from the Keystone catalog, as a client finds it. */
export async function barbicanEndpoint(token: string): Promise<string> {
  if (process.env.BARBICAN_URL) return process.env.BARBICAN_URL;
  const res = await fetch(`${AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  const catalog = ((await res.json()) as any).token.catalog as { type: string; endpoints: { interface: string; url: string }[] }[];
  return catalog.find((c) => c.type === 'key-manager')!.endpoints.find((e) => e.interface === 'public')!.url.replace(/\/+$/, '');
}
