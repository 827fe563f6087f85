import { afterAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../../lib/store/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * A job's success events (job.succeeded and its kind's, certificate.issued) are one write (one
 * BatchWriteItem on DynamoDB); job.started stays its own write, beside the work, so an attempt
 * that dies leaves its start in the trail. The delivery ends (and its message is deleted) only
 * once they are written; a write that fails is logged, never the job's failure.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

async function setup(name: string) {
  const w = memoryWorker();
  const ca = await activeRoot(w, P);
  const { csr } = makeCsr(tmp.dir, 'ec256', name, [`DNS:${name}`]);
  const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: [`DNS:${name}`], ttlSeconds: 3600 });
  const singles: string[] = [];
  const batches: string[][] = [];
  const append = w.store.events.append;
  const appendAll = w.store.events.appendAll;
  w.store.events.append = async (e) => (singles.push(e.action), append(e));
  w.store.events.appendAll = async (list) => (batches.push(list.map((e) => e.action)), appendAll(list));
  return { w, cert, job, singles, batches, appendAll };
}

const trail = async (w: ReturnType<typeof memoryWorker>, jobId: string, certId: string) =>
  (await w.store.events.list(P, 20, undefined, (e: EventRecord) => e.object?.id === jobId || e.object?.id === certId)).items.map((e) => e.action).sort();

describe('a job\'s success events', () => {
  it('job.succeeded and certificate.issued are one write, job.started its own', async () => {
    const { w, cert, job, singles, batches } = await setup('batched.example.org');
    expect(await w.run(job)).toBe('succeeded');
    expect(batches).toEqual([['job.succeeded', 'certificate.issued']]);
    expect(singles).toEqual(['job.started']);
    expect(await trail(w, job.id, cert.id)).toEqual(['certificate.issued', 'job.started', 'job.succeeded']);
  });

  it('the delivery ends only once they are written', async () => {
    const { w, job, appendAll } = await setup('awaited.example.org');
    let release!: () => void;
    let called!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reached = new Promise<void>((r) => (called = r));
    w.store.events.appendAll = async (list) => {
      called();
      await gate;
      return appendAll(list);
    };
    let outcome: string | undefined;
    const run = w.run(job).then((o) => (outcome = o));
    await reached;
    await new Promise((r) => setImmediate(r));
    expect(outcome).toBeUndefined();
    release();
    await run;
    expect(outcome).toBe('succeeded');
  });

  it('a batch that fails is logged, not the job\'s failure', async () => {
    const { w, cert, job } = await setup('unwritten.example.org');
    w.store.events.appendAll = async () => Promise.reject(new Error('the store did not answer'));
    expect(await w.run(job)).toBe('succeeded');
    expect((await w.store.certificates.get(P, cert.id))!.status).toBe('issued');
    expect((await w.store.jobs.get(P, job.id))!.status).toBe('succeeded');
  });
});
