import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  describe('what only admins may ask for', () => {
    let tenantCa: any;
    let tenantAdmin: string;
    const tmp = tempDir();
    beforeAll(async () => {
      tenantAdmin = await keystoneToken('admin', 'secret', 'tenant-a');
      tenantCa = await createActiveCa(tenantAdmin, { subject: { CN: 'Tenant A Root' }, validity_days: 3650 });
    });
    afterAll(() => tmp.cleanup());
    const request = (token: string, body: Record<string, unknown>) => api('POST', `/v1/cas/${tenantCa.id}/certificates`, { token, body });

    it('refuses a wildcard name to a member, naming the rule', async () => {
      const { csr } = makeCsr(tmp.dir, 'ec256', 'w.example.org');
      const { status, body } = await request(alice, { csr, sans: ['DNS:*.w.example.org'] });
      expect(status).toBe(403);
      expect(body.error.code).toBe('POLICY_DENIED:ca:certificates:create:wildcard');
      expect((await request(alice, { csr, sans: ['DNS:x.w.example.org'] })).status).toBe(202);
    });

    it('refuses a wildcard in the CSR itself to a member', async () => {
      const { csr } = makeCsr(tmp.dir, 'ec256', 'v.example.org', ['DNS:*.v.example.org']);
      const { status, body } = await request(alice, { csr });
      expect(status).toBe(403);
      expect(body.error.code).toBe('POLICY_DENIED:ca:certificates:create:wildcard');
    });

    it('refuses a TTL beyond the profile maximum (398 d) to a member and grants it to an admin', async () => {
      const { csr } = makeCsr(tmp.dir, 'ec256', 'long.example.org', ['DNS:long.example.org']);
      const denied = await request(alice, { csr, ttl: '399d' });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('POLICY_DENIED:ca:certificates:create:ttl_over_max');
      expect((await request(alice, { csr, ttl: '398d' })).status).toBe(202);

      const granted = await request(tenantAdmin, { csr, ttl: '800d', sans: ['DNS:*.long.example.org'] });
      expect(granted.status).toBe(202);
      expect((await waitForJob(tenantAdmin, granted.body.job.id)).status).toBe('succeeded');
      const cert = (await api('GET', `/v1/certificates/${granted.body.certificate.id}`, { token: alice })).body.certificate;
      const days = (Date.parse(cert.not_after) - Date.parse(cert.not_before)) / 86_400_000;
      expect(days).toBeGreaterThan(799.9);
      expect(days).toBeLessThan(800.1);
    });
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
