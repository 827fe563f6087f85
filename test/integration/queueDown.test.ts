import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/**
 * The jobs queue unreachable: the API's handlers, run here in-process against the stack's store
 * with a queue URL nothing listens on, answer 503 and leave nothing half-done behind.
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';
process.env.JOBS_QUEUE_URL = 'http://127.0.0.1:1/000000000000/nowhere';
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let alice: string;
let admin: string;
let cert: any;

function event(token: string, method: string, path: string, pathParameters: Record<string, string>, body?: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'x-auth-token': token, 'content-type': 'application/json', host: 'localhost' },
    pathParameters,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: crypto.randomUUID(), http: { method, path } },
  } as unknown as APIGatewayProxyEventV2;
}
const call = async (handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<unknown>, e: APIGatewayProxyEventV2) => {
  const out = (await handler(e, {} as Context)) as { statusCode: number; headers: Record<string, string>; body: string };
  return { status: out.statusCode, headers: out.headers, body: JSON.parse(out.body || '{}') };
};

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  const ca = await createActiveCa(admin, { subject: { CN: 'Queue Down Root' } });
  const { csr } = makeCsr(tmp.dir, 'ec256', 'q.example.org', ['DNS:q.example.org']);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
  await waitForJob(alice, res.body.job.id);
  cert = res.body.certificate;
});

describe('with the jobs queue down', () => {
  it('a revocation answers 503 with Retry-After and is undone: the certificate stays issued', async () => {
    const { handler } = await import('../../functions/api/revokeCertificate.js');
    const res = await call(handler, event(alice, 'POST', '/v1/certificates/{id}/revoke', { id: cert.id }, { reason: 'keyCompromise' }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('QUEUE_UNAVAILABLE');
    expect(res.headers['Retry-After']).toBe('5');
    const after = (await api('GET', `/v1/certificates/${cert.id}`, { token: alice })).body.certificate;
    expect(after).toMatchObject({ status: 'issued', revoked_at: null, revocation_reason: null });
  });

  it('a new CA answers 503 and is left failed with the reason, not pending forever', async () => {
    const { handler } = await import('../../functions/api/createCa.js');
    const res = await call(handler, event(admin, 'POST', '/v1/cas', {}, { subject: { CN: 'Never Queued' } }));
    expect(res.status).toBe(503);
    const cas = (await api('GET', '/v1/cas?limit=100', { token: admin })).body.cas as any[];
    const never = cas.filter((c) => c.name === 'Never Queued');
    expect(never.map((c) => c.status)).toEqual(['failed']);
    expect(never[0].failure_reason).toMatch(/queue was unavailable/);
  });
});
