import { isAppError, notFound } from '../errors/index.js';
import { recordEvent } from '../events/index.js';
import { errorFields, log } from '../log/index.js';
import { decideIssuance, userCertificateRequestOf } from '../ra/index.js';
import type { CertificateRecord, EnrollmentRecord, JobRecord, Store } from '../store/index.js';
import { JOB_MESSAGE_VERSION, type JobMessage } from './schema.js';
import { enrollmentJobOf, userCertificateOf } from './userCertificate.js';

/** What the scheduler's enrollment sweep works with (as a renewal run: the store, the queue, the run's clock). */
export interface EnrollmentSweep {
  store: Pick<Store, 'enrollments' | 'cas' | 'certificates' | 'jobs' | 'events'>;
  send: (message: JobMessage) => Promise<void>;
  now: Date;
}

/**
 * The enrollment front end moves an enrollment to `issuing` (the conditional write that uses its
 * one-time password or approval up) before it writes the certificate request and its job; if it
 * stops in between, the enrollment would say `issuing` forever. Every enrollment gone `issuing`
 * is in a sweep index, due a grace period later: then whatever is missing is written, as the front
 * end would have (the worker decides and checks everything again), and the job queued. If the RA
 * refuses it now, the certificate is recorded failed with the reason, which the enrollment shows.
 * Store-only: it runs in the scheduler, with the API's role. Returns how many it completed.
 */
export async function completeStuckEnrollments(run: EnrollmentSweep): Promise<number> {
  let completed = 0;
  for (const due of await run.store.enrollments.dueIssuing(run.now)) {
    try {
      const e = await run.store.enrollments.get(due.projectId, due.id);
      if (e?.status === 'issuing' && e.certificateId && e.jobId && e.csrPem && (await complete(e, run))) completed++;
      await run.store.enrollments.settleIssuing(due.projectId, due.id, due.at);
    } catch (err) {
      // Left in the index: the next run tries again.
      log.error('stuck enrollment not completed', { enrollmentId: due.id, project: due.projectId, ...errorFields(err) });
    }
  }
  return completed;
}

/** Writes what the front end did not, and queues the job; false when nothing was missing. */
async function complete(e: EnrollmentRecord, run: EnrollmentSweep): Promise<boolean> {
  const { store } = run;
  const [cert, job] = await Promise.all([store.certificates.get(e.projectId, e.certificateId!), store.jobs.get(e.projectId, e.jobId!)]);
  // Past pending, the enrollment reads what became of its certificate.
  if (cert && cert.status !== 'pending') return false;
  // A job still queued and never attempted after the grace period may never have been sent (twice is harmless).
  if (cert && job && !(job.status === 'queued' && job.attempts === 0)) return false;
  const fresh = job ?? enrollmentJobOf(e);
  let reason: string | undefined;
  if (!cert) {
    const made = await requestOf(e, fresh, run);
    reason = made.reason;
    await store.certificates.create(made.cert);
  }
  if (!job) await store.jobs.create(reason ? { ...fresh, status: 'failed', reason } : fresh);
  if (!reason) await run.send({ v: JOB_MESSAGE_VERSION, jobId: fresh.id, projectId: e.projectId, kind: 'certificate.issue', params: { caId: e.caId, certificateId: e.certificateId! } });
  const what = reason ? `refused now: ${reason}` : `certificate ${e.certificateId} queued`;
  await recordEvent({ projectId: e.projectId, action: 'enrollment.completed', outcome: reason ? 'failure' : 'success', object: { type: 'enrollment', id: e.id }, reason: `the enrollment service stopped before it queued the certificate; ${what}` }, store);
  return true;
}

/** The certificate the enrollment asks for as the RA decides it now, or, if it refuses, recorded failed with its reason. */
async function requestOf(e: EnrollmentRecord, job: JobRecord, run: EnrollmentSweep): Promise<{ cert: CertificateRecord; reason?: string }> {
  try {
    const ca = await run.store.cas.get(e.projectId, e.caId);
    if (!ca || ca.kind !== 'login') throw notFound('LOGIN_CA_NOT_FOUND', `No login CA ${e.caId}.`);
    return { cert: userCertificateOf(e, decideIssuance(ca, userCertificateRequestOf(e.user, e.csrPem!, e.ttlSeconds), run.now), job) };
  } catch (err) {
    if (!isAppError(err)) throw err;
    const reason = `${err.code}: ${err.message}`;
    const failed: CertificateRecord = { id: e.certificateId!, projectId: e.projectId, createdBy: e.createdBy, createdAt: job.createdAt, updatedAt: job.createdAt, caId: e.caId, jobId: job.id, status: 'failed', failureReason: reason, sans: [], ttlSeconds: e.ttlSeconds ?? 0, keystoneUser: e.user, enrollmentId: e.id };
    return { cert: failed, reason };
  }
}
