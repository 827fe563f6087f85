import { createPublicKey, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, keystoneToken, waitForJob } from '../support/api.js';
import { CA_EXT, ExternalPki, type Issuer } from '../support/externalCa.js';
import { makeCsr, openssl, tempDir } from '../support/openssl.js';

/**
 * An intermediate signed by an external CA, as the Vault charm's instructions do it with
 * `openssl ca`: the service makes the key and CSR, the owner uploads certificate and chain.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const pki = new ExternalPki(tmp.dir);
let admin: string;
let alice: string;
let ca: any;
let root: Issuer;
let extIntermediate: Issuer;

const csrOf = async () => (await api('GET', `/v1/cas/${ca.id}/csr`, { token: admin })).body;
const file = (name: string, data: string) => {
  const p = join(tmp.dir, `${name}-${Math.random()}.pem`);
  writeFileSync(p, data);
  return p;
};
const upload = (certificate: string, chain: string) => api('PUT', `/v1/cas/${ca.id}/certificate`, { token: admin, body: { certificate, chain } });

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  const created = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'Tenant Issuing CA', O: 'Tenant A' }, external: true, path_len: 0 } });
  expect(created.status).toBe(202);
  expect((await waitForJob(admin, created.body.job.id)).status).toBe('succeeded');
  ca = (await api('GET', `/v1/cas/${created.body.ca.id}`, { token: admin })).body.ca;
  root = pki.root('Corporate Root') ;
  extIntermediate = pki.issue(root, { cn: 'Corporate Intermediate' }) as Issuer;
});

describe('an external intermediate CA', () => {
  it('waits for its certificate with a CSR that asks for a CA and openssl verifies', async () => {
    expect(ca).toMatchObject({ status: 'awaiting_certificate', external: true, certificate: null });
    const { csr } = await csrOf();
    const text = openssl(['req', '-noout', '-text', '-verify'], csr);
    expect(text).toMatch(/Subject: O ?= ?Tenant A, CN ?= ?Tenant Issuing CA/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    const { csr: again } = await csrOf();
    expect(again).toBe(csr);
    // Not yet a CA that issues.
    const { csr: leafCsr } = makeCsr(tmp.dir, 'ec256', 'early.example.org', ['DNS:early.example.org']);
    expect((await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr: leafCsr } })).body.error.code).toBe('CA_NOT_ACTIVE');
  });

  it('makes a new CSR for another subject with the same key', async () => {
    const before = (await csrOf()).csr;
    const res = await api('POST', `/v1/cas/${ca.id}/csr`, { token: admin, body: { subject: { CN: 'Tenant Issuing CA', O: 'Corporate', C: 'DE' } } });
    expect(res.status).toBe(202);
    expect((await waitForJob(admin, res.body.job.id)).status).toBe('succeeded');
    const after = (await csrOf()).csr;
    expect(openssl(['req', '-noout', '-subject'], after)).toMatch(/C ?= ?DE, O ?= ?Corporate, CN ?= ?Tenant Issuing CA/);
    const spki = (pem: string) => createPublicKey(openssl(['req', '-noout', '-pubkey'], pem)).export({ type: 'spki', format: 'der' });
    expect(spki(after).equals(spki(before))).toBe(true);
    expect((await api('POST', `/v1/cas/${ca.id}/csr`, { token: alice, body: { subject: { CN: 'x' } } })).body.error.code).toBe('POLICY_DENIED:ca:cas:update');
  });

  it('refuses bundles that do not verify, naming the broken link, and changes nothing', async () => {
    const signed = pki.issue(extIntermediate, { csrPath: file('csr', (await csrOf()).csr), via: 'ca', ext: CA_EXT });
    const noRoot = await upload(signed.pem, extIntermediate.pem);
    expect(noRoot.status).toBe(400);
    expect(noRoot.body.error.code).toBe('CHAIN_INCOMPLETE');
    expect(noRoot.body.error.message).toMatch(/Corporate Root/);

    const stranger = pki.issue(pki.root('Other Root'), { cn: 'Corporate Intermediate' }) as Issuer;
    const wrong = await upload(signed.pem, stranger.pem + root.pem);
    expect(wrong.body.error.code).toMatch(/^CHAIN_(INVALID|INCOMPLETE)$/);
    expect(wrong.body.error.details.link).toBeGreaterThanOrEqual(1);

    const otherKey = pki.issue(extIntermediate, { cn: 'Tenant Issuing CA', via: 'ca' });
    expect((await upload(otherKey.pem, extIntermediate.pem + root.pem)).body.error.code).toBe('CERTIFICATE_KEY_MISMATCH');
    expect((await api('GET', `/v1/cas/${ca.id}`, { token: admin })).body.ca.status).toBe('awaiting_certificate');
  });

  it('becomes active with the verified chain and issues leaves that openssl verifies up to the external root', async () => {
    const signed = pki.issue(extIntermediate, { csrPath: file('csr', (await csrOf()).csr), via: 'ca', ext: CA_EXT });
    // The text dump `openssl ca` writes before the PEM, and the chain in any order: both fine.
    const res = await upload(signed.pem, root.pem + '\nsome notes\n' + extIntermediate.pem);
    // Verified at once, installed by the worker (only the worker writes a CA's certificate).
    expect(res.status).toBe(202);
    expect(res.body.ca.status).toBe('awaiting_certificate');
    expect((await waitForJob(admin, res.body.job.id)).status).toBe('succeeded');
    expect((await api('GET', `/v1/cas/${ca.id}`, { token: admin })).body.ca.status).toBe('active');
    const chain = (await api('GET', `/v1/cas/${ca.id}/chain`, { token: alice })).body.chain as string[];
    expect(chain.map((p) => new X509Certificate(p).subject)).toEqual([expect.stringContaining('CN=Tenant Issuing CA'), 'CN=Corporate Intermediate', 'CN=Corporate Root']);

    const { csr } = makeCsr(tmp.dir, 'ec256', 'svc.example.org', ['DNS:svc.example.org']);
    const issued = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
    expect((await waitForJob(alice, issued.body.job.id)).status).toBe('succeeded');
    const leaf = (await api('GET', `/v1/certificates/${issued.body.certificate.id}`, { token: alice })).body.certificate;
    expect(openssl(['verify', '-x509_strict', '-CAfile', file('root', root.pem), '-untrusted', file('untrusted', chain.join('\n')), file('leaf', leaf.certificate)])).toContain('OK');
    expect(leaf.chain).toBe(chain.join('\n'));
    expect((await upload(signed.pem, root.pem + extIntermediate.pem)).body.error.code).toBe('CA_NOT_AWAITING_CERTIFICATE');
  });
});
