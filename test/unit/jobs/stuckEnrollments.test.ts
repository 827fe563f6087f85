import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { csrSha256, enrollmentState } from '../../../lib/enroll/index.js';
import { completeStuckEnrollments, enrollmentJobOf, userCertificateOf, type EnrollmentSweep, type JobMessage } from '../../../lib/jobs/index.js';
import { decideIssuance, userCertificateRequestOf } from '../../../lib/ra/index.js';
import { ISSUING_GRACE_MS } from '../../../lib/store/keys.js';
import type { CaRecord, EnrollmentRecord, KeystoneUser } from '../../../lib/store/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, type MemoryWorker } from '../../support/worker.js';

/**
 * An enrollment front end that stops between moving an enrollment to `issuing` and writing its
 * certificate request and job leaves it `issuing` forever, unless the scheduler's sweep finds it
 * (the move to `issuing` put it in the sweep index) and writes what is missing.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const SYSTEM = 'system';
const alice: KeystoneUser = { id: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', name: 'alice', email: 'alice@example.org' };

const loginRoot = (w: MemoryWorker): Promise<CaRecord> => activeRoot(w, SYSTEM, { kind: 'login', userCertificates: { defaultTtl: 8 * 3600, maxTtl: 86400 }, subject: { CN: 'Login CA' } });

/** An enrollment just redeemed (`issuing`, with the ids it asks for), as the front end writes it before the certificate request. */
async function redeemed(w: MemoryWorker, ca: CaRecord): Promise<EnrollmentRecord> {
  const { csr } = makeCsr(tmp.dir, 'ec256', 'laptop', []);
  const at = new Date().toISOString();
  const e: EnrollmentRecord = { id: randomUUID(), projectId: SYSTEM, caId: ca.id, kind: 'otp', status: 'issuing', user: alice, createdBy: 'admin', createdAt: at, updatedAt: at, expiresAt: at, failedAttempts: 0, csrPem: csr, csrSha256: csrSha256(csr), redeemedAt: at, certificateId: randomUUID(), jobId: randomUUID() };
  await w.store.enrollments.create(e);
  return e;
}

/** What the front end writes after the move to `issuing` (lib/jobs builders, as functions/enroll does), up to where it stopped. */
async function frontEndWrites(w: MemoryWorker, ca: CaRecord, e: EnrollmentRecord, written: readonly ('certificate' | 'job')[]): Promise<void> {
  const job = enrollmentJobOf(e);
  const decision = decideIssuance(ca, userCertificateRequestOf(e.user, e.csrPem!, e.ttlSeconds), new Date());
  if (written.includes('certificate')) await w.store.certificates.create(userCertificateOf(e, decision, job));
  if (written.includes('job')) await w.store.jobs.create(job);
}

function sweep(w: MemoryWorker, afterMs: number): EnrollmentSweep & { sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  return { store: w.store, now: new Date(Date.now() + afterMs), sent, send: async (m) => void sent.push(m) };
}
const pastGrace = ISSUING_GRACE_MS + 60_000;
const state = async (w: MemoryWorker, e: EnrollmentRecord) => enrollmentState((await w.store.enrollments.get(SYSTEM, e.id))!, await w.store.certificates.get(SYSTEM, e.certificateId!), new Date());

describe('enrollments left issuing', () => {
  it('without its certificate request: written and queued after the grace period, then issued by the worker', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const e = await redeemed(w, ca);
    // A front end still at work is left alone.
    expect(await completeStuckEnrollments(sweep(w, ISSUING_GRACE_MS - 60_000))).toBe(0);
    expect(await w.store.certificates.get(SYSTEM, e.certificateId!)).toBeUndefined();

    const run = sweep(w, pastGrace);
    expect(await completeStuckEnrollments(run)).toBe(1);
    expect(await w.store.certificates.get(SYSTEM, e.certificateId!)).toMatchObject({ status: 'pending', enrollmentId: e.id, jobId: e.jobId, keystoneUser: alice, subject: `CN=alice,UID=${alice.id}` });
    expect(run.sent.map((m) => m.jobId)).toEqual([e.jobId]);
    expect(await w.run((await w.store.jobs.get(SYSTEM, e.jobId!))!)).toBe('succeeded');
    expect(await state(w, e)).toBe('issued');
    // Checked once: out of the index.
    expect(await completeStuckEnrollments(sweep(w, pastGrace))).toBe(0);
    expect((await w.store.enrollments.dueIssuing(new Date(Date.now() + pastGrace))).map((d) => d.id)).not.toContain(e.id);
  });

  for (const [stop, written] of [['after its certificate', ['certificate']], ['before sending its job', ['certificate', 'job']]] as const) {
    it(`stopped ${stop}: what is missing is written, and the job queued`, async () => {
      const w = memoryWorker();
      const ca = await loginRoot(w);
      const e = await redeemed(w, ca);
      await frontEndWrites(w, ca, e, written);
      const run = sweep(w, pastGrace);
      expect(await completeStuckEnrollments(run)).toBe(1);
      expect((await w.store.jobs.get(SYSTEM, e.jobId!))!.status).toBe('queued');
      expect(run.sent.map((m) => m.jobId)).toEqual([e.jobId]);
      expect(await w.run((await w.store.jobs.get(SYSTEM, e.jobId!))!)).toBe('succeeded');
      expect(await state(w, e)).toBe('issued');
    });
  }

  it('that the RA refuses now (the login CA failed meanwhile): the certificate is recorded failed with the reason, nothing queued', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const e = await redeemed(w, ca);
    await w.store.cas.update(SYSTEM, ca.id, { status: 'failed' });
    const run = sweep(w, pastGrace);
    expect(await completeStuckEnrollments(run)).toBe(1);
    expect(run.sent).toEqual([]);
    expect(await state(w, e)).toBe('failed');
    expect((await w.store.certificates.get(SYSTEM, e.certificateId!))!.failureReason).toMatch(/^CA_NOT_ACTIVE: /);
    expect((await w.store.jobs.get(SYSTEM, e.jobId!))!.status).toBe('failed');
  });

  it('whose request was written and taken up: nothing to do', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const e = await redeemed(w, ca);
    await frontEndWrites(w, ca, e, ['certificate', 'job']);
    expect(await w.run((await w.store.jobs.get(SYSTEM, e.jobId!))!)).toBe('succeeded');
    const run = sweep(w, pastGrace);
    expect(await completeStuckEnrollments(run)).toBe(0);
    expect(run.sent).toEqual([]);
    expect(await w.store.enrollments.dueIssuing(run.now)).toEqual([]);
  });
});
