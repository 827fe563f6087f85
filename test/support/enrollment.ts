import { api } from './api.js';

/** Clients of the login CA and enrollment routes, for the local stack and the real Keystone suites. */

/** Creates a login CA with a system-scoped admin token and waits until it is active. */
export async function createLoginCa(token: string, body: Record<string, unknown> = {}): Promise<any> {
  const created = await api('POST', '/v1/login-cas', { token, body: { name: 'Keystone Login CA', ...body } });
  if (created.status !== 202) throw new Error(`create login CA: ${created.status} ${JSON.stringify(created.body)}`);
  return waitFor(async () => {
    const { body: b } = await api('GET', `/v1/login-cas/${created.body.login_ca.id}`, { token });
    if (b.login_ca.status === 'failed') throw new Error(`login CA failed: ${b.login_ca.failure_reason}`);
    return b.login_ca.status === 'active' ? b.login_ca : undefined;
  }, 'login CA active');
}

/** Polls an enrollment (no token) until it is no longer issuing. */
export async function waitForEnrollment(id: string, timeoutMs = 30_000): Promise<any> {
  return waitFor(
    async () => {
      const { status, body } = await api('GET', `/v1/enrollments/${id}`);
      if (status !== 200) throw new Error(`GET enrollment ${id}: ${status} ${JSON.stringify(body)}`);
      return body.enrollment.status === 'issuing' ? undefined : body.enrollment;
    },
    `enrollment ${id} settled`,
    timeoutMs,
  );
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The Keystone user id a token belongs to (the token validates itself). */
export async function userIdOf(token: string): Promise<string> {
  const res = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens?nocatalog`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  if (res.status !== 200) throw new Error(`token validation: ${res.status}`);
  return ((await res.json()) as { token: { user: { id: string } } }).token.user.id;
}
