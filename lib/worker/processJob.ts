import { parseJobMessage, sameParams } from '../jobs/index.js';
import { errorFields, log } from '../log/index.js';
import { recordEvent, UNATTRIBUTED_PROJECT } from '../events/index.js';
import { cas, certificates, containers, jobs, scheduleRenewal, StaleRecordError, type JobRecord } from '../store/index.js';
import type { WorkerContext } from './context.js';
import { runCreateCa } from './createCa.js';
import { runIssueCertificate } from './issueCertificate.js';
import { runRegisterContainer } from './registerContainer.js';
import { runPublishCrl } from './revocation.js';
import { runRotateCa } from './rotateCa.js';
import { isPermanent, JobRefusedError } from './outcomes.js';

/** What a finished job did, for the audit trail. */
const SUCCESS_ACTION = { 'ca.create': 'ca.created', 'certificate.issue': 'certificate.issued', 'container.register': 'container.registered', 'crl.publish': 'crl.published', 'ca.rotate': 'ca.rotated' } as const;

export type Outcome = 'succeeded' | 'failed' | 'refused' | 'skipped' | 'retry';

const RUNNERS = { 'ca.create': runCreateCa, 'certificate.issue': runIssueCertificate, 'container.register': runRegisterContainer, 'crl.publish': runPublishCrl, 'ca.rotate': runRotateCa } as const;

/**
 * Handles one queue message. Never trusts it: the job must exist in the store for the project
 * the message names, with the same kind and parameters, and not be finished already (queues
 * deliver at least once). Returns `retry` for transient failures while attempts remain.
 */
export async function processJob(body: string, attempt: number, maxAttempts: number, ctx: WorkerContext): Promise<Outcome> {
  const parsed = parseJobMessage(body);
  if (!parsed.ok) return refuse(parsed.reason, undefined, projectNamedIn(body));
  const msg = parsed.message;
  const job = await jobs.get(msg.projectId, msg.jobId);
  if (!job) return refuse(`job ${msg.jobId} does not exist in project ${msg.projectId}`, msg.jobId, msg.projectId);
  if (job.kind !== msg.kind || !sameParams(job.params, msg.params)) return refuse(`job ${job.id}: the message does not match the stored job`, job.id, job.projectId);
  if (job.status === 'succeeded' || job.status === 'failed') {
    log.info('job already finished', { jobId: job.id, status: job.status });
    return 'skipped';
  }

  try {
    await jobs.update(job.projectId, job.id, { status: 'running', attempts: attempt }, ['queued', 'running']);
    // The audit trail is written beside the work, not in front of it (recordEvent never throws).
    const started = recordEvent({ ...jobEvent(job), action: 'job.started', outcome: 'success', reason: `attempt ${attempt}` });
    const result = await RUNNERS[job.kind](job, ctx);
    await jobs.update(job.projectId, job.id, { status: 'succeeded', result, reason: undefined });
    log.info('job succeeded', { jobId: job.id, kind: job.kind, project: job.projectId, result });
    await Promise.all([
      started,
      recordEvent({ ...jobEvent(job), action: 'job.succeeded', outcome: 'success' }),
      recordEvent({ ...jobEvent(job), action: SUCCESS_ACTION[job.kind], outcome: 'success', object: result }),
    ]);
    return 'succeeded';
  } catch (e) {
    if (e instanceof StaleRecordError) return 'skipped';
    if (e instanceof JobRefusedError) return refuse(e.message, job.id, job.projectId);
    if (isPermanent(e)) {
      await failJob(job, `${e.code}: ${e.message}`);
      return 'failed';
    }
    log.warn('job attempt failed', { jobId: job.id, attempt, maxAttempts, ...errorFields(e) });
    if (attempt < maxAttempts) {
      await jobs.update(job.projectId, job.id, { reason: `attempt ${attempt} of ${maxAttempts} failed: ${(e as Error).message}; retrying` }).catch(() => undefined);
      return 'retry';
    }
    await failJob(job, `gave up after ${attempt} attempts: ${(e as Error).message}`);
    return 'failed';
  }
}

const jobEvent = (job: JobRecord) => ({ projectId: job.projectId, userId: job.createdBy, object: { type: 'job', id: job.id } });

/** The project a message claims, if it is readable at all, to file the refusal under. */
function projectNamedIn(body: string): string {
  try {
    const p = (JSON.parse(body) as { projectId?: unknown }).projectId;
    if (typeof p === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(p)) return p;
  } catch {
    /* not JSON */
  }
  return UNATTRIBUTED_PROJECT;
}

/** Refused messages are never retried; the refusal is logged and kept in the audit trail. */
async function refuse(reason: string, jobId: string | undefined, projectId: string): Promise<Outcome> {
  log.warn('job refused', { jobId, project: projectId, reason });
  await recordEvent({ projectId, action: 'job.refused', outcome: 'refused', reason, ...(jobId ? { object: { type: 'job', id: jobId } } : {}) });
  return 'refused';
}

/**
 * A renewal that failed is never dropped: the old certificate goes back in the renewal index,
 * later each time (1 h, 2 h, 4 h ... at most a day), and the failure is an event its owner sees.
 */
async function renewalFailed(job: JobRecord, oldId: string, reason: string): Promise<void> {
  const old = await certificates.get(job.projectId, oldId);
  if (!old || old.status !== 'issued') return;
  const failures = (old.renewalFailures ?? 0) + 1;
  const retryAt = new Date(Date.now() + Math.min(2 ** (failures - 1), 24) * 3_600_000).toISOString();
  await scheduleRenewal(job.projectId, oldId, retryAt, failures).catch((e) => log.warn('renewal not re-armed', { certificateId: oldId, ...errorFields(e) }));
  await recordEvent({ projectId: job.projectId, action: 'certificate.renewal_failed', outcome: 'failure', object: { type: 'certificate', id: oldId }, reason: `attempt ${failures}: ${reason}; next attempt at ${retryAt}` });
}

/** Marks the job and the object it was making as failed, with a reason the user can read. */
async function failJob(job: JobRecord, reason: string): Promise<void> {
  log.warn('job failed', { jobId: job.id, kind: job.kind, reason });
  // The object first, the job last: whoever sees the job failed finds the object failed too.
  if (job.kind === 'ca.create') await cas.update(job.projectId, job.params.caId, { status: 'failed', failureReason: reason }, ['pending']).catch(() => undefined);
  else if (job.kind === 'container.register') await containers.update(job.projectId, job.params.containerId, { status: 'error', failureReason: reason }, ['pending']).catch(() => undefined);
  else if (job.kind === 'certificate.issue') {
    await certificates.update(job.projectId, job.params.certificateId, { status: 'failed', failureReason: reason }, ['pending']).catch(() => undefined);
    const cert = await certificates.get(job.projectId, job.params.certificateId);
    if (cert?.renewedFrom) await renewalFailed(job, cert.renewedFrom, reason);
  }
  await jobs.update(job.projectId, job.id, { status: 'failed', reason });
  await recordEvent({ ...jobEvent(job), action: 'job.failed', outcome: 'failure', reason });
}
