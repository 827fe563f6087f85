import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, AUTH_URL, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, openssl, opensslVerdict, revocationUrlsOf, tempDir } from '../support/openssl.js';

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

/** A leaf of `ca` as GET /v1/certificates/{id} shows it. */
async function issueView(ca: any, cn: string): Promise<any> {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
  expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
  return (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
}
const issue = async (ca: any, cn: string): Promise<string> => (await issueView(ca, cn)).certificate;

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

describe('revocation across a rotation', () => {
  // Leaf A is signed by the old key, leaf B by the new one; each is checked with only the root its key chains to.
  let root0: any;
  let root1: any;
  let a: any;
  let b: any;
  let cross: string;
  const serialText = (c: any) => c.serial.replace(/^0+/, '').toUpperCase();
  const pemsOf = (bundle: string) => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.map((p) => p.trim());
  const crlNumber = (crlPem: string) => Number(/X509v3 CRL Number:\s+(\d+)/.exec(openssl(['crl', '-noout', '-text'], crlPem))![1]);
  /** The CRL at a certificate's distribution point, once it lists that certificate. */
  async function crlListing(c: any): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${revocationUrlsOf(c.certificate).crl}?format=pem`);
      const pem = res.status === 200 ? await res.text() : '';
      if (pem && openssl(['crl', '-noout', '-text'], pem).includes(serialText(c))) return pem;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the CRL at ${revocationUrlsOf(c.certificate).crl} never listed ${c.serial}`);
  }
  const crlVerdict = (trusted: string, untrusted: string[], crlPem: string, leaf: string) =>
    opensslVerdict(['verify', '-crl_check', '-CAfile', file(trusted), ...(untrusted.length ? ['-untrusted', file(untrusted.join('\n'))] : []), '-CRLfile', file(crlPem), file(leaf)]);
  const ocspVerdict = (issuer: string, leaf: string, hash: 'sha1' | 'sha256') =>
    opensslVerdict(['ocsp', `-${hash}`, '-issuer', file(issuer), '-cert', file(leaf), '-url', revocationUrlsOf(leaf).ocsp, '-CAfile', file(issuer), '-no_nonce', '-resp_text']);
  let numberBefore: number;

  beforeAll(async () => {
    root0 = await createActiveCa(admin, { subject: { CN: 'Revocation Across Rotation Root' } });
    a = await issueView(root0, 'a.rotation.example.org');
    numberBefore = crlNumber(await (await fetch(`${revocationUrlsOf(a.certificate).crl}?format=pem`)).text());
    const res = await api('POST', `/v1/cas/${root0.id}/rotate`, { token: admin });
    expect((await waitForJob(admin, res.body.job.id)).status).toBe('succeeded');
    root1 = (await api('GET', `/v1/cas/${root0.id}`, { token: alice })).body.ca;
    cross = (await api('GET', `/v1/cas/${root0.id}/chain?variant=cross`, { token: alice })).body.chain[0];
    b = await issueView(root1, 'b.rotation.example.org');
    for (const c of [a, b]) expect((await api('POST', `/v1/certificates/${c.id}/revoke`, { token: alice, body: { reason: 'keyCompromise' } })).status).toBe(200);
  });

  it('shows each leaf the chain of the key that signed it; the new key\'s leaf also its cross chain', async () => {
    const [shownA, shownB] = await Promise.all([a, b].map(async (c) => (await api('GET', `/v1/certificates/${c.id}`, { token: alice })).body.certificate));
    expect(pemsOf(shownA.chain)).toEqual([root0.certificate.trim()]);
    expect(shownA.cross_chain).toBeNull();
    expect(pemsOf(shownB.chain)).toEqual([root1.certificate.trim()]);
    expect(pemsOf(shownB.cross_chain)).toEqual([cross.trim(), root0.certificate.trim()]);
  });

  it('names each key\'s own CRL in what it signs; one OCSP URL serves both', () => {
    const [ua, ub] = [revocationUrlsOf(a.certificate), revocationUrlsOf(b.certificate)];
    // Each key's partition of its CRL for the leaf's expiry day (lib/ca/crlPartitions.ts).
    expect(ua.crl).toMatch(new RegExp(`/cas/${root0.id}/crl/p\\d{8}$`));
    expect(ub.crl).toBe(ua.crl.replace(/\/p(\d{8})$/, '/g1.p$1'));
    expect(ub.ocsp).toBe(ua.ocsp);
  });

  it('has no CRL by any other name: g0 is the unsuffixed one, and the CA has no g2', async () => {
    for (const name of ['g0', 'g2', 'x']) {
      const res = await api('GET', `${new URL(revocationUrlsOf(a.certificate).crl).pathname.replace(/\/p\d{8}$/, '')}/${name}`);
      expect([res.status, res.body.error.code], name).toEqual([404, 'CRL_NOT_FOUND']);
    }
  });

  it('has each key sign the CRL of what it signed: openssl -crl_check refuses A with only the old root, B with the new root or through the cross certificate', async () => {
    const [crlA, crlB] = [await crlListing(a), await crlListing(b)];
    expect(crlVerdict(root0.certificate, [], crlA, a.certificate)).toMatch(/certificate revoked/);
    expect(crlVerdict(root1.certificate, [], crlB, b.certificate)).toMatch(/certificate revoked/);
    expect(crlVerdict(root0.certificate, [cross], crlB, b.certificate)).toMatch(/certificate revoked/);
    // Each CRL lists only what its own key signed, and the old key's numbers went on from where they were.
    expect(openssl(['crl', '-noout', '-text'], crlA)).not.toContain(serialText(b));
    expect(openssl(['crl', '-noout', '-text'], crlB)).not.toContain(serialText(a));
    expect(crlNumber(crlA)).toBeGreaterThan(numberBefore);
  });

  it('answers OCSP for both, each answer signed by the key that signed the certificate (openssl ocsp)', () => {
    for (const hash of ['sha1', 'sha256'] as const) {
      for (const [issuer, leaf] of [[root0.certificate, a.certificate], [root1.certificate, b.certificate]]) {
        const out = ocspVerdict(issuer, leaf, hash);
        expect(out, hash).toContain('Response verify OK');
        expect(out, hash).toMatch(/: revoked/);
      }
    }
    // A CertID naming the old key with the new key's serial: that key has no answer for it.
    expect(ocspVerdict(root0.certificate, b.certificate, 'sha1')).toMatch(/unauthorized/);
  });

  it('is re-signed on schedule: the new key\'s CRL is due, and its job re-signs both keys\' CRLs', async () => {
    const numbers = async () => Promise.all([a, b].map(async (c) => crlNumber(await (await fetch(`${revocationUrlsOf(c.certificate).crl}?format=pem`)).text())));
    const before = await numbers();
    const res = await fetch(`http://127.0.0.1:${process.env.LAMBDA_PORT}/2015-03-31/functions/openstack-ca-local-renewDue/invocations`, { method: 'POST', body: JSON.stringify({ now: new Date(Date.now() + 4 * 86_400_000).toISOString() }) });
    expect(res.status).toBe(200);
    let after = before;
    for (let i = 0; i < 100 && !(after[0] > before[0] && after[1] > before[1]); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await numbers();
    }
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBeGreaterThan(before[1]);
  });
});
