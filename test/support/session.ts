import { createHash } from 'node:crypto';
import { api, waitForJob } from './api.js';
import { makeCsr, tempDir } from './openssl.js';

/**
 * One user's ordinary session with ONE token, across the API's functions: create a CA and follow
 * its job, read it, issue a certificate, list, get and revoke it, read the jobs. Used by the
 * shared token cache's integration test and by bench/keystoneCalls.ts.
 * Returns the routes called (each is its own function, with its own in-process token cache).
 */
export async function tokenSession(token: string, name = 'session'): Promise<string[]> {
  const routes = new Set<string>();
  const call = async (method: string, path: string, route: string, body?: unknown, want = [200]) => {
    routes.add(route);
    const res = await api(method, path, { token, body });
    if (!want.includes(res.status)) throw new Error(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const created = await call('POST', '/v1/cas', 'POST /v1/cas', { subject: { CN: `${name} Root` } }, [202]);
  routes.add('GET /v1/jobs/{id}');
  if ((await waitForJob(token, created.job.id, 60_000)).status !== 'succeeded') throw new Error('CA job failed');
  const caId: string = created.ca.id;
  await call('GET', `/v1/cas/${caId}`, 'GET /v1/cas/{id}');
  await call('GET', '/v1/cas', 'GET /v1/cas');
  const tmp = tempDir();
  try {
    const host = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example.org`;
    const { csr } = makeCsr(tmp.dir, 'ec256', host, [`DNS:${host}`]);
    const issued = await call('POST', `/v1/cas/${caId}/certificates`, 'POST /v1/cas/{id}/certificates', { csr }, [202]);
    await waitForJob(token, issued.job.id, 60_000);
    const certId: string = issued.certificate.id;
    await call('GET', `/v1/certificates?ca_id=${caId}`, 'GET /v1/certificates');
    await call('GET', `/v1/certificates/${certId}`, 'GET /v1/certificates/{id}');
    await call('POST', `/v1/certificates/${certId}/revoke`, 'POST /v1/certificates/{id}/revoke', { reason: 'superseded' });
    await call('GET', `/v1/jobs/${issued.job.id}`, 'GET /v1/jobs/{id}');
    await call('GET', `/v1/cas/${caId}/chain`, 'GET /v1/cas/{id}/chain');
  } finally {
    tmp.cleanup();
  }
  return [...routes];
}

/** How many times the development Keystone validated `token` (undefined: not the development Keystone). */
export async function devKeystoneValidations(authUrl: string, token: string): Promise<number | undefined> {
  const sha = createHash('sha256').update(token).digest('hex');
  const res = await fetch(`${authUrl.replace(/\/v3\/?$/, '')}/_dev/token-validations?subject_sha256=${sha}`);
  if (res.status !== 200) {
    await res.arrayBuffer();
    return undefined;
  }
  return ((await res.json()) as { subject: number }).subject;
}
