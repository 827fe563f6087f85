import { beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

let admin: string;
let bob: string;
let alice: string;
let carol: string;
let ca: any;
let jobId: string;
let certId: string;

beforeAll(async () => {
  [admin, bob, alice, carol] = await Promise.all([
    keystoneToken('admin', 'secret', 'admin'),
    keystoneToken('bob', 'bpass2', 'tenant-b'),
    keystoneToken('alice', 'apass', 'tenant-a'),
    keystoneToken('carol', 'cpass3', 'tenant-a'),
  ]);
  ca = await createActiveCa(admin, { subject: { CN: 'Auth Test Root' } });
  const tmp = tempDir();
  const { csr } = makeCsr(tmp.dir, 'ec256', 'a.example.org', ['DNS:a.example.org']);
  tmp.cleanup();
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr } });
  jobId = res.body.job.id;
  certId = res.body.certificate.id;
  await waitForJob(admin, jobId);
});

describe('authentication', () => {
  it('answers 401 TOKEN_MISSING without a token', async () => {
    const { status, body } = await api('GET', '/v1/cas');
    expect(status).toBe(401);
    expect(body.error.code).toBe('TOKEN_MISSING');
    expect(body.error.message).toMatch(/X-Auth-Token/);
  });

  it('answers 401 TOKEN_INVALID for a token Keystone does not know', async () => {
    const { status, body } = await api('GET', '/v1/cas', { token: 'gAAAAAnot-a-real-token' });
    expect(status).toBe(401);
    expect(body.error.code).toBe('TOKEN_INVALID');
    expect(JSON.stringify(body)).not.toContain('gAAAAAnot-a-real-token');
  });

  it('answers 403 PROJECT_SCOPE_REQUIRED for an unscoped token', async () => {
    const unscoped = await keystoneToken('alice', 'apass');
    const { status, body } = await api('GET', '/v1/cas', { token: unscoped });
    expect(status).toBe(403);
    expect(body.error.code).toBe('PROJECT_SCOPE_REQUIRED');
  });

  it('serves the version document without a token', async () => {
    const { status, body } = await api('GET', '/');
    expect(status).toBe(300);
    expect(body.versions.values[0]).toMatchObject({ id: 'v1', status: 'CURRENT' });
    expect(body.versions.values[0].links[0].href).toMatch(/\/v1\/$/);
  });
});

describe('policy defaults', () => {
  it('lets only admins create CAs', async () => {
    const { status, body } = await api('POST', '/v1/cas', { token: alice, body: { subject: { CN: 'Nope' } } });
    expect(status).toBe(403);
    expect(body.error.code).toBe('POLICY_DENIED:ca:cas:create');
  });

  it('lets a reader read but not request certificates', async () => {
    expect((await api('GET', '/v1/cas', { token: carol })).status).toBe(200);
    const { status, body } = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: carol, body: { csr: 'x' } });
    expect(status).toBe(403);
    expect(body.error.code).toBe('POLICY_DENIED:ca:certificates:create');
  });
});

describe('tenancy: another project sees nothing', () => {
  it.each([
    ['CA', () => `/v1/cas/${ca.id}`, 'CA_NOT_FOUND'],
    ['job', () => `/v1/jobs/${jobId}`, 'JOB_NOT_FOUND'],
    ['certificate', () => `/v1/certificates/${certId}`, 'CERTIFICATE_NOT_FOUND'],
  ])('%s of another project is 404', async (_what, path, code) => {
    const { status, body } = await api('GET', path(), { token: bob });
    expect(status).toBe(404);
    expect(body.error.code).toBe(code);
    expect((await api('GET', path(), { token: admin })).status).toBe(200);
  });

  it('cannot request a certificate from another project’s CA', async () => {
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'b.example.org', ['DNS:b.example.org']);
    tmp.cleanup();
    const { status, body } = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: bob, body: { csr } });
    expect(status).toBe(404);
    expect(body.error.code).toBe('CA_NOT_FOUND');
  });

  it('lists only its own objects', async () => {
    const { body } = await api('GET', '/v1/cas', { token: bob });
    expect(body.cas.map((c: any) => c.id)).not.toContain(ca.id);
    const certs = await api('GET', `/v1/certificates?ca_id=${ca.id}`, { token: bob });
    expect(certs.body.certificates).toEqual([]);
  });
});

describe('GET /v1/policies', () => {
  it('shows admins the rules in force', async () => {
    const { status, body } = await api('GET', '/v1/policies', { token: admin });
    expect(status).toBe(200);
    expect(body.policies['ca:cas:create']).toBe('rule:admin_required');
    expect(body.source).toMatch(/policy\.json$/);
  });
  it('is refused to members', async () => {
    const { status, body } = await api('GET', '/v1/policies', { token: alice });
    expect(status).toBe(403);
    expect(body.error.code).toBe('POLICY_DENIED:ca:policies:get');
  });
});
