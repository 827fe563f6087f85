import { afterAll, describe, expect, it } from 'vitest';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * Defect: the worker tied a CA key to a CA by the projectId/id fields stored inside the CA item.
 * A copy of tenant B's CA item in tenant A's partition (what a compromised API role could write)
 * made the worker sign A's requests with B's key. Records are now bound to the key they are read
 * under, and key names come from the job's project and CA id.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function setup() {
  const w = memoryWorker();
  const bCa = await activeRoot(w, 'tenant-b', { subject: { CN: 'B Root' } });
  const { csr } = makeCsr(tmp.dir, 'ec256', 'a.example.org', ['DNS:a.example.org']);
  return { w, bCa, csr };
}

describe('one tenant never signs with another tenant\'s key', () => {
  it('refuses a CA item copied unchanged into another project, with an alarm, signing nothing', async () => {
    const { w, bCa, csr } = await setup();
    w.store.raw.set(w.store.keyOf('CA', 'tenant-a', bCa.id), structuredClone(w.store.raw.get(w.store.keyOf('CA', 'tenant-b', bCa.id))!));
    const { cert, job } = await pendingCertificate(w.store, 'tenant-a', bCa.id, { csrPem: csr, sans: ['DNS:a.example.org'] });
    const before = w.signatures();
    expect(await w.run(job)).toBe('refused');
    expect(w.signatures()).toBe(before);
    expect((await w.store.certificates.get('tenant-a', cert.id))!.certificatePem).toBeUndefined();
    const alarms = (await w.store.events.list('tenant-a', 10, undefined, (e) => e.action === 'issuance.alarm')).items;
    expect(alarms[0].reason).toMatch(/STORE_RECORD_MISBOUND/);
  });

  it('refuses the copy even with its project rewritten: the key is looked up by the job\'s project, not the item\'s reference', async () => {
    const { w, bCa, csr } = await setup();
    w.store.raw.set(w.store.keyOf('CA', 'tenant-a', bCa.id), { ...structuredClone(w.store.raw.get(w.store.keyOf('CA', 'tenant-b', bCa.id))!), projectId: 'tenant-a' });
    const { cert, job } = await pendingCertificate(w.store, 'tenant-a', bCa.id, { csrPem: csr, sans: ['DNS:a.example.org'] });
    const before = w.signatures();
    expect(await w.run(job)).toBe('failed');
    expect(w.signatures()).toBe(before);
    const after = (await w.store.certificates.get('tenant-a', cert.id))!;
    expect(after.certificatePem).toBeUndefined();
    expect(after.failureReason).toMatch(/KEY_REF_MISMATCH/);
  });

  it('refuses a certificate item copied from another project', async () => {
    const { w, bCa, csr } = await setup();
    const { cert } = await pendingCertificate(w.store, 'tenant-b', bCa.id, { csrPem: csr, sans: ['DNS:a.example.org'] });
    w.store.raw.set(w.store.keyOf('CERT', 'tenant-a', cert.id), structuredClone(w.store.raw.get(w.store.keyOf('CERT', 'tenant-b', cert.id))!));
    await expect(w.store.certificates.get('tenant-a', cert.id)).rejects.toThrow(/names another project/);
    // A list leaves it out (and logs it) rather than refusing the whole list: it cannot block a CRL.
    expect((await w.store.certificates.list('tenant-a', 10)).items.map((c) => c.id)).not.toContain(cert.id);
  });
});

describe('a record set back to pending is not signed again', () => {
  it('an active CA whose record says pending again, under a new job and without its constraints, is refused with an alarm', async () => {
    const w = memoryWorker();
    const root = await activeRoot(w, 'tenant-a');
    const inter = await activeRoot(w, 'tenant-a', { parentId: root.id, nameConstraints: { permittedDns: ['apps.example.org'] } });
    const { newJob } = await import('../../../lib/jobs/index.js');
    const again = newJob('ca.create', 'tenant-a', 'user-1', { caId: inter.id });
    await w.store.jobs.create(again);
    // All fields the API role may write.
    await w.store.cas.update('tenant-a', inter.id, { status: 'pending', jobId: again.id, nameConstraints: undefined });
    const before = w.signatures();
    expect(await w.run(again)).toBe('refused');
    expect(w.signatures()).toBe(before);
    const after = (await w.store.cas.get('tenant-a', inter.id))!;
    expect(after.certificatePem).toBe(inter.certificatePem);
    expect(after.constraintChain).toEqual(inter.constraintChain);
    expect((await w.store.jobs.get('tenant-a', again.id))!.reason).toMatch(/^STORE_RECORD_CONTRADICTS_CERTIFICATE/);
  });
});
