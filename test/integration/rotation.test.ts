import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, AUTH_URL, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, openssl, tempDir } from '../support/openssl.js';

/** CA rotation: a new key under the same name, cross-signed by the old one. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let before: any;
let oldLeaf: string;
const file = (data: string) => {
  const p = join(tmp.dir, `${Math.random()}.pem`);
  writeFileSync(p, data);
  return p;
};
const verify = (trusted: string, untrusted: string[], leaf: string) =>
  openssl(['verify', '-x509_strict', '-CAfile', file(trusted), ...(untrusted.length ? ['-untrusted', file(untrusted.join('\n'))] : []), file(leaf)]);

async function issue(ca: any, cn: string): Promise<string> {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
  expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
  return (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate.certificate;
}

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  before = await createActiveCa(admin, { subject: { CN: 'Rotating Root' } });
  oldLeaf = await issue(before, 'old.example.org');
});

describe('CA rotation', () => {
  it('rolls a root over to a new key; the old root still trusts what the new key signs, through the cross certificate', async () => {
    expect((await api('GET', `/v1/cas/${before.id}/chain?variant=cross`, { token: alice })).body.error.code).toBe('CHAIN_NOT_FOUND');
    expect((await api('POST', `/v1/cas/${before.id}/rotate`, { token: alice })).body.error.code).toBe('POLICY_DENIED:ca:cas:update');
    const res = await api('POST', `/v1/cas/${before.id}/rotate`, { token: admin });
    expect(res.status).toBe(202);
    expect((await waitForJob(admin, res.body.job.id)).status).toBe('succeeded');
    const after = (await api('GET', `/v1/cas/${before.id}`, { token: alice })).body.ca;
    const [o, n] = [new X509Certificate(before.certificate), new X509Certificate(after.certificate)];
    expect(n.subject).toBe(o.subject);
    expect(n.publicKey.export({ type: 'spki', format: 'der' }).equals(o.publicKey.export({ type: 'spki', format: 'der' }))).toBe(false);

    const newLeaf = await issue(after, 'new.example.org');
    expect(verify(after.certificate, [], newLeaf)).toContain('OK');
    const cross = (await api('GET', `/v1/cas/${before.id}/chain?variant=cross`, { token: alice })).body.chain as string[];
    expect(cross[1]).toBe(before.certificate);
    expect(verify(before.certificate, [cross[0]], newLeaf)).toContain('OK');
    // Certificates the old key issued still verify against the old root.
    expect(verify(before.certificate, [], oldLeaf)).toContain('OK');
  });

  it('offers a leaf of the new key its cross chain, which the old root verifies; a leaf of the old key gets none', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'cross.example.org', ['DNS:cross.example.org']);
    const res = await api('POST', `/v1/cas/${before.id}/certificates`, { token: alice, body: { csr } });
    expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
    const leaf = (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
    const pems = (leaf.cross_chain as string).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(pems).toHaveLength(2);
    expect(pems[1].trim()).toBe(before.certificate.trim());
    expect(verify(before.certificate, [pems[0]], leaf.certificate)).toContain('OK');
    const listed = (await api('GET', `/v1/certificates?ca_id=${before.id}&limit=200`, { token: alice })).body.certificates as Array<{ id: string; certificate: string }>;
    const old = listed.find((c) => c.certificate?.trim() === oldLeaf.trim())!;
    expect((await api('GET', `/v1/certificates/${old.id}`, { token: alice })).body.certificate.cross_chain).toBeNull();
  });
});

describe('CA rotation, asked for twice at once', () => {
  // The emulator may run two requests to one function one after the other, so the race is made
  // where it is decided: two writes of the same claim at once, against the stack's table.
  it('is claimed once: of two concurrent claims one wins, and a request meanwhile is 409 CA_ROTATING', async () => {
    process.env.TABLE_NAME ??= 'openstack-ca-local';
    const { cas, StaleRecordError } = await import('../../lib/store/index.js');
    const ca = await createActiveCa(admin, { subject: { CN: 'Parallel Rotation Root' } });
    // The token's project, as Keystone (development or real) says it.
    const tokenInfo = await fetch(`${AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': admin } });
    const projectId = ((await tokenInfo.json()) as { token: { project: { id: string } } }).token.project.id;
    const claims = await Promise.allSettled([cas.startRotation(projectId, ca.id, crypto.randomUUID()), cas.startRotation(projectId, ca.id, crypto.randomUUID())]);
    expect(claims.map((c) => c.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((claims.find((c) => c.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(StaleRecordError);
    const res = await api('POST', `/v1/cas/${ca.id}/rotate`, { token: admin });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CA_ROTATING');
  });
});
