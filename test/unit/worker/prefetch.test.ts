import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaleRecordError } from '../../../lib/store/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * A certificate job's reads (the certificate and its CA) start beside the `running` write instead
 * of after it: one round trip less before the claim. What they find counts only once that write
 * won, so every outcome is the one it was when the reads came after it.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});
/** Node reports an unhandled rejection once the microtasks ran out: after the next macrotask turn. */
const settled = () => new Promise((r) => setImmediate(r));

async function setup(name: string) {
  const w = memoryWorker();
  const ca = await activeRoot(w, P);
  const { csr } = makeCsr(tmp.dir, 'ec256', name, [`DNS:${name}`]);
  const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: [`DNS:${name}`], ttlSeconds: 3600 });
  // Reads of this job's records, and how many had started when the `running` write was sent.
  const reads: string[] = [];
  const getCert = w.store.certificates.get;
  const getCa = w.store.cas.get;
  w.store.certificates.get = async (...a) => (reads.push('cert'), getCert(...a));
  w.store.cas.get = async (...a) => (reads.push('ca'), getCa(...a));
  const atRunning: string[][] = [];
  const update = w.store.jobs.update;
  w.store.jobs.update = async (...a) => {
    if (a[2].status === 'running') atRunning.push([...reads]);
    return update(...a);
  };
  return { w, ca, cert, job, reads, atRunning, update };
}

describe('a certificate job reads its records beside the running write', () => {
  it('both reads have started when the running write is sent, and the job succeeds on what they found', async () => {
    const { w, cert, job, atRunning, reads } = await setup('beside.example.org');
    expect(await w.run(job)).toBe('succeeded');
    expect(atRunning).toEqual([['cert', 'ca']]);
    // Read once each: run() takes what the prefetch found.
    expect(reads.sort()).toEqual(['ca', 'cert']);
    expect((await w.store.certificates.get(P, cert.id))!.status).toBe('issued');
  });

  it('a running write that loses (another delivery finished the job) skips, whatever the reads found, and leaves no rejection unhandled', async () => {
    const { w, ca, job } = await setup('lost.example.org');
    w.store.jobs.update = async () => Promise.reject(new StaleRecordError('finished meanwhile'));
    // The CA moved into this project from another (tampered with): the run would raise an alarm.
    w.store.raw.get(w.store.keyOf('CA', P, ca.id))!.projectId = 'project-b';
    expect(await w.run(job)).toBe('skipped');
    await settled();
    expect(unhandled).toEqual([]);
    expect((await w.store.events.list(P, 10, undefined, (e) => e.action === 'issuance.alarm')).items).toEqual([]);
  });

  it('a running write that fails (the store down) fails the delivery as before, the reads\' failure handled', async () => {
    const { w, job } = await setup('down.example.org');
    w.store.jobs.update = async () => Promise.reject(new Error('the store did not answer'));
    w.store.cas.get = async () => Promise.reject(new Error('the store did not answer either'));
    await expect(w.run(job)).rejects.toThrow('the store did not answer');
    await settled();
    expect(unhandled).toEqual([]);
  });

  it('a read that fails after the running write won is the attempt\'s failure: a misbound record is refused with an alarm', async () => {
    const { w, ca, cert, job } = await setup('misbound.example.org');
    w.store.raw.get(w.store.keyOf('CA', P, ca.id))!.projectId = 'project-b';
    expect(await w.run(job)).toBe('refused');
    const alarms = (await w.store.events.list(P, 10, undefined, (e) => e.action === 'issuance.alarm')).items;
    expect(alarms[0].reason).toMatch(/STORE_RECORD_MISBOUND/);
    expect((await w.store.certificates.get(P, cert.id))!.status).toBe('failed');
  });

  it('a misbound certificate record is refused with an alarm too, and the job fails (its record is not marked through another key)', async () => {
    const { w, cert, job } = await setup('misbound-cert.example.org');
    w.store.raw.get(w.store.keyOf('CERT', P, cert.id))!.projectId = 'project-b';
    expect(await w.run(job)).toBe('refused');
    const alarms = (await w.store.events.list(P, 10, undefined, (e) => e.action === 'issuance.alarm')).items;
    expect(alarms[0].reason).toMatch(/STORE_RECORD_MISBOUND/);
    expect((await w.store.jobs.get(P, job.id))!.status).toBe('failed');
  });

  it('a transient read failure is retried, as when the reads came after the running write', async () => {
    const { w, job } = await setup('transient.example.org');
    const getCa = w.store.cas.get;
    w.store.cas.get = async () => Promise.reject(new Error('the store did not answer'));
    expect(await w.run(job, 1)).toBe('retry');
    w.store.cas.get = getCa;
    expect(await w.run(job, 2)).toBe('succeeded');
  });

  it('a finished job reads nothing', async () => {
    const { w, job, reads, update } = await setup('finished.example.org');
    await update(P, job.id, { status: 'succeeded' });
    expect(await w.run(job)).toBe('skipped');
    expect(reads).toEqual([]);
  });
});
