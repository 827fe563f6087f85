import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, openssl, tempDir, x509Text } from '../support/openssl.js';

/** Intermediate CAs signed by a project CA: pathLen, name constraints, chains. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let root: any;
let intermediate: any;

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  root = await createActiveCa(admin, { subject: { CN: 'Tenant Root' }, key_type: 'RSA-2048', path_len: 1 });
  intermediate = await createActiveCa(admin, {
    subject: { CN: 'Apps Intermediate', O: 'Tenant A' },
    key_type: 'EC-P256',
    parent_ca_id: root.id,
    validity_days: 365,
    name_constraints: { permitted_dns: ['apps.example.org'], permitted_ip: ['10.0.0.0/8'], excluded_dns: ['admin.apps.example.org'] },
  });
});

/** openssl's path validation: root trusted, the rest untrusted, as a TLS client would. */
function opensslVerify(rootPem: string, chain: string[], leafPem: string): string {
  const [r, u, l] = ['root', 'untrusted', 'leaf'].map((n) => join(tmp.dir, `${n}-${Math.random()}.pem`));
  writeFileSync(r, rootPem);
  writeFileSync(u, chain.join('\n'));
  writeFileSync(l, leafPem);
  return openssl(['verify', '-x509_strict', '-CAfile', r, ...(chain.length ? ['-untrusted', u] : []), l]);
}

describe('an intermediate signed by a project CA', () => {
  it('carries pathLen, name constraints and its issuer; its chain leads to the root', async () => {
    expect(intermediate).toMatchObject({ status: 'active', parent_ca_id: root.id, path_len: 0 });
    const text = x509Text(intermediate.certificate);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Issuer: CN ?= ?Tenant Root/);
    expect(text).toMatch(/Name Constraints: critical[\s\S]*Permitted:\s+DNS:apps.example.org\s+IP:10.0.0.0\/255.0.0.0[\s\S]*Excluded:\s+DNS:admin.apps.example.org/);
    const { status, body } = await api('GET', `/v1/cas/${intermediate.id}/chain`, { token: alice });
    expect(status).toBe(200);
    expect(body.chain).toEqual([intermediate.certificate, root.certificate]);
    expect(opensslVerify(root.certificate, [], intermediate.certificate)).toContain('OK');
  });

  it('issues leaves whose chain openssl verifies up to the root', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'web.apps.example.org', ['DNS:web.apps.example.org', 'IP:10.1.2.3']);
    const res = await api('POST', `/v1/cas/${intermediate.id}/certificates`, { token: alice, body: { csr } });
    expect(res.status).toBe(202);
    expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
    const cert = (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
    expect(cert.chain).toBe([intermediate.certificate, root.certificate].join('\n'));
    expect(opensslVerify(root.certificate, [intermediate.certificate], cert.certificate)).toContain('OK');
  });

  it.each([
    ['a name outside the permitted subtree', ['DNS:web.evil.org']],
    ['an excluded name', ['DNS:x.admin.apps.example.org']],
    ['an address outside the permitted range', ['DNS:a.apps.example.org', 'IP:192.168.1.1']],
  ])('refuses %s with 400 NAME_CONSTRAINT_VIOLATION', async (_what, sans) => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'x.apps.example.org');
    const { status, body } = await api('POST', `/v1/cas/${intermediate.id}/certificates`, { token: alice, body: { csr, sans } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('NAME_CONSTRAINT_VIOLATION');
  });

  it('enforces pathLen: no CA below a path_len 0 CA, and none longer than the parent allows', async () => {
    const below = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'Too Deep' }, parent_ca_id: intermediate.id } });
    expect(below.status).toBe(400);
    expect(below.body.error).toMatchObject({ code: 'PATH_LEN_EXCEEDED', details: { field: 'parent_ca_id' } });
    const longer = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'Too Long' }, parent_ca_id: root.id, path_len: 1 } });
    expect(longer.body.error).toMatchObject({ code: 'PATH_LEN_EXCEEDED', details: { field: 'path_len' } });
  });

  it('refuses bad constraints and another project’s parent', async () => {
    const bad = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'Bad NC' }, parent_ca_id: root.id, name_constraints: { permitted_ip: ['10.0.0.1'] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('NAME_CONSTRAINT_INVALID');
    const other = await keystoneToken('admin', 'secret', 'admin');
    const foreign = await api('POST', '/v1/cas', { token: other, body: { subject: { CN: 'Foreign' }, parent_ca_id: root.id } });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('CA_NOT_FOUND');
  });
});
