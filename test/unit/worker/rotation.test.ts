import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCsr, tempDir, verifyChain } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, rotationJob } from '../../support/worker.js';

/** Job `ca.rotate` on the in-memory store: a new key recorded before it signs, a cross certificate, one rotation per job. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('CA rotation', () => {
  it('certifies the new key by the old one, and leaves issue under the new key', async () => {
    const w = memoryWorker();
    const before = await activeRoot(w, P);
    expect(await w.run(await rotationJob(w, P, before.id))).toBe('succeeded');
    const after = (await w.store.cas.get(P, before.id))!;
    expect(after).toMatchObject({ keyGeneration: 1, previousCertificatePem: before.certificatePem });
    expect(after.pendingKeyRef).toBeUndefined();
    expect(after.keyRef).not.toBe(before.keyRef);
    const cross = new X509Certificate(after.crossCertificatePem!);
    expect(cross.verify(new X509Certificate(before.certificatePem!).publicKey)).toBe(true);
    expect(cross.publicKey.equals(new X509Certificate(after.certificatePem!).publicKey)).toBe(true);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'after.example.org', ['DNS:after.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, before.id, { csrPem: csr, sans: ['DNS:after.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
    expect(verifyChain(tmp.dir, after.certificatePem!, (await w.store.certificates.get(P, cert.id))!.certificatePem!)).toContain('OK');
  });

  it('two concurrent deliveries of one rotation make one new key', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const job = await rotationJob(w, P, ca.id);
    const outcomes = await Promise.all([w.run(job), w.run(job)]);
    expect(outcomes.sort()).toEqual(['busy', 'succeeded']);
    expect(w.secrets.size).toBe(2);
  });

  it('a rotation that stopped after recording its new key reuses it', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const job = await rotationJob(w, P, ca.id);
    const real = w.ctx.driver.sign;
    let calls = 0;
    w.ctx.driver = { ...w.ctx.driver, sign: async (...args) => (++calls === 2 ? Promise.reject(new Error('the worker died here')) : real(...args)) };
    expect(await w.run(job, 1)).toBe('retry');
    const recorded = (await w.store.cas.get(P, ca.id))!.pendingKeyRef;
    expect(recorded).toBeDefined();
    w.ctx.driver = { ...w.ctx.driver, sign: real };
    expect(await w.run(job, 2)).toBe('succeeded');
    expect((await w.store.cas.get(P, ca.id))!.keyRef).toBe(recorded);
    expect(w.secrets.size).toBe(2);
  });
});

describe('CA rotation never widens a CA through its record', () => {
  it('refuses when the record\'s name constraints or path length are not its certificate\'s', async () => {
    const w = memoryWorker();
    const root = await activeRoot(w, P);
    const inter = await activeRoot(w, P, { parentId: root.id, nameConstraints: { permittedDns: ['apps.example.org'] }, pathLen: 0 });
    // What a compromised API could write: both are fields of the request.
    await w.store.cas.update(P, inter.id, { nameConstraints: undefined, pathLen: undefined });
    const job = await rotationJob(w, P, inter.id);
    const before = w.signatures();
    expect(await w.run(job)).toBe('refused');
    expect(w.signatures()).toBe(before);
    expect((await w.store.cas.get(P, inter.id))!.certificatePem).toBe(inter.certificatePem);
    expect((await w.store.jobs.get(P, job.id))!).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^STORE_RECORD_CONTRADICTS_CERTIFICATE: /) });
    expect((await w.store.events.list(P, 50, undefined, (e) => e.action === 'issuance.alarm')).items).toHaveLength(1);
  });
});
