import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir, x509Text } from '../support/openssl.js';

/** Issuance profiles per CA (like Vault roles): managed over the API, enforced by API and worker. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let ca: any;

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Profiles Root' } });
});

const put = (token: string, name: string, body: unknown) => api('PUT', `/v1/cas/${ca.id}/profiles/${name}`, { token, body });
const request = (token: string, body: Record<string, unknown>) => api('POST', `/v1/cas/${ca.id}/certificates`, { token, body });

describe('managing profiles', () => {
  it('lets an admin create (201) and replace (200) a profile, and lists it beside the built-in default', async () => {
    const web = { allowed_domains: ['.apps.example.org'], ext_key_usages: ['server_auth'], key_types: ['EC'], max_ttl: 7 * 86400, copy_subject_fields: ['CN'] };
    expect((await put(admin, 'web', { ...web, max_ttl: 86400 })).status).toBe(201);
    const replaced = await put(admin, 'web', web);
    expect(replaced.status).toBe(200);
    expect(replaced.body.profile).toMatchObject({ name: 'web', max_ttl: 7 * 86400, default_ttl: 7 * 86400, allow_wildcard: false });
    const { status, body } = await api('GET', `/v1/cas/${ca.id}/profiles`, { token: alice });
    expect(status).toBe(200);
    expect(body.profiles.map((p: any) => p.name).sort()).toEqual(['default', 'web']);
  });

  it('refuses profile changes to members (403, rule named)', async () => {
    const { status, body } = await put(alice, 'mine', { allow_any_name: true });
    expect(status).toBe(403);
    expect(body.error.code).toBe('POLICY_DENIED:ca:profiles:update');
  });

  it('names the field of an invalid profile', async () => {
    const { status, body } = await put(admin, 'bad', { max_ttl: 3600, default_ttl: 7200 });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BODY_INVALID', details: { field: 'default_ttl' } });
    expect((await put(admin, 'bad', { name: 'other' })).body.error.details.field).toBe('name');
    expect((await put(admin, 'bad', { allowed_domains: ['bad..example.org'] })).body.error.details.field).toBe('allowed_domains.0');
  });

  it('hides another project’s CA (404)', async () => {
    const bob = await keystoneToken('bob', 'bpass2', 'tenant-b');
    expect((await api('GET', `/v1/cas/${ca.id}/profiles`, { token: bob })).status).toBe(404);
  });
});

describe('issuing under a profile', () => {
  it('issues within the profile: only the copied subject fields, the profile’s EKUs and default TTL', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'shop.apps.example.org', ['DNS:shop.apps.example.org']);
    const res = await request(alice, { csr, profile: 'web' });
    expect(res.status).toBe(202);
    expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
    const cert = (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
    const text = x509Text(cert.certificate);
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).not.toContain('TLS Web Client Authentication');
    expect(new X509Certificate(cert.certificate).subject).toBe('CN=shop.apps.example.org');
    const days = (Date.parse(cert.not_after) - Date.parse(cert.not_before)) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it.each([
    ['a name outside allowed_domains', () => ({ csr: makeCsr(tmp.dir, 'ec256', 'x.evil.org', ['DNS:x.evil.org']).csr }), 'PROFILE_NAME_NOT_ALLOWED', 'allowed_domains'],
    ['a wildcard', () => ({ csr: makeCsr(tmp.dir, 'ec256', 'w.apps.example.org').csr, sans: ['DNS:*.apps.example.org'] }), 'PROFILE_WILDCARD_NOT_ALLOWED', 'allow_wildcard'],
    ['an RSA key', () => ({ csr: makeCsr(tmp.dir, 'rsa2048', 'r.apps.example.org', ['DNS:r.apps.example.org']).csr }), 'PROFILE_KEY_NOT_ALLOWED', 'key_types'],
  ])('refuses %s with a 400 naming the rule', async (_what, body, code, rule) => {
    const { status, body: answer } = await request(alice, { ...body(), profile: 'web' });
    expect(status).toBe(400);
    expect(answer.error.code).toBe(code);
    expect(answer.error.details.rule).toBe(rule);
    expect(answer.error.message).toContain('"web"');
  });

  it('refuses an unknown profile', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'u.apps.example.org', ['DNS:u.apps.example.org']);
    const { status, body } = await request(alice, { csr, profile: 'nope' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'PROFILE_UNKNOWN', details: { field: 'profile' } });
  });

  it('past the profile’s max_ttl: 403 for a member, granted to an admin', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'long.apps.example.org', ['DNS:long.apps.example.org']);
    expect((await request(alice, { csr, profile: 'web', ttl: '8d' })).body.error.code).toBe('POLICY_DENIED:ca:certificates:create:ttl_over_max');
    const granted = await request(admin, { csr, profile: 'web', ttl: '8d' });
    expect(granted.status).toBe(202);
    expect((await waitForJob(admin, granted.body.job.id)).status).toBe('succeeded');
  });

  it('makes the CN the object id when the profile says so (the Octavia pattern)', async () => {
    expect((await put(admin, 'octavia', { allow_any_name: true, cn_must_be_object_id: true })).status).toBe(201);
    const objectId = crypto.randomUUID();
    const { csr } = makeCsr(tmp.dir, 'ec256', objectId, ['DNS:lb.example.org']);
    const wrong = await request(alice, { csr, profile: 'octavia', object_id: crypto.randomUUID() });
    expect(wrong.body.error).toMatchObject({ code: 'PROFILE_CN_MISMATCH' });
    const right = await request(alice, { csr, profile: 'octavia', object_id: objectId });
    expect(right.status).toBe(202);
    expect((await waitForJob(alice, right.body.job.id)).status).toBe('succeeded');
  });

  it('a deleted profile no longer issues; the built-in default stays', async () => {
    expect((await api('DELETE', `/v1/cas/${ca.id}/profiles/octavia`, { token: admin })).status).toBe(204);
    expect((await api('DELETE', `/v1/cas/${ca.id}/profiles/octavia`, { token: admin })).body.error.code).toBe('PROFILE_NOT_FOUND');
    const { csr } = makeCsr(tmp.dir, 'ec256', 'd.example.org', ['DNS:d.example.org']);
    expect((await request(alice, { csr, profile: 'octavia', object_id: 'x' })).body.error.code).toBe('PROFILE_UNKNOWN');
    expect((await request(alice, { csr })).status).toBe(202);
  });
});
