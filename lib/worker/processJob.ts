import { IssuedNotDecidedError } from '../ca/index.js';
import { isAppError } from '../errors/index.js';
import { parseJobMessage, sameParams } from '../jobs/index.js';
import { errorFields, log } from '../log/index.js';
import { recordEvent, recordEvents, UNATTRIBUTED_PROJECT } from '../events/index.js';
import { ClaimHeldError, MisboundRecordError, StaleRecordError, type JobRecord } from '../store/index.js';
import type { WorkerContext } from './context.js';
import { JOB_KINDS } from './jobKinds.js';
import { isPermanent, JobRefusedError, RecordContradictsCertificateError } from './outcomes.js';

/**
 * `retry`: failed, attempts remain; `busy`: another delivery holds the record's claim. Both keep the
 * message: deleting a busy one would lose the job if the holder then died (the same message
 * delivered twice has one receipt left to bring it back), so it returns and finds the job finished.
 */
export type Outcome = 'succeeded' | 'failed' | 'refused' | 'skipped' | 'retry' | 'busy';

/**
 * What a tenant may read of a failure: our own messages (AppError) only. Any other error may quote
 * its input (a JSON parse error quotes the text it could not parse, which may be a secret), so the
 * tenant sees that something failed and the operators find the rest in the log by the job id.
 */
export const tenantReason = (e: unknown): string => (isAppError(e) ? e.message : 'an internal error in the worker (the operators can find it by the job id)');

/**
 * Handles one queue message. Never trusts it: the job must exist in the store for the project
 * the message names, with the same kind and parameters, and not be finished already (queues
 * deliver at least once). Returns `retry` for transient failures while attempts remain.
 */
export async function processJob(body: string, attempt: number, maxAttempts: number, ctx: WorkerContext): Promise<Outcome> {
  const parsed = parseJobMessage(body);
  if (!parsed.ok) return refuse(parsed.reason, undefined, projectNamedIn(body), ctx);
  const msg = parsed.message;
  let job: JobRecord | undefined;
  try {
    job = await ctx.store.jobs.get(msg.projectId, msg.jobId);
  } catch (e) {
    if (e instanceof MisboundRecordError) return alarm(e, msg.jobId, msg.projectId, ctx);
    throw e;
  }
  if (!job) return refuse(`job ${msg.jobId} does not exist in project ${msg.projectId}`, msg.jobId, msg.projectId, ctx);
  if (job.kind !== msg.kind || !sameParams(job.params, msg.params)) return refuse(`job ${job.id}: the message does not match the stored job`, job.id, job.projectId, ctx);
  if (job.status === 'succeeded' || job.status === 'failed') {
    log.info('job already finished', { jobId: job.id, status: job.status });
    return 'skipped';
  }
  const kind = JOB_KINDS[job.kind];
  // Reads of the records the stored job names go beside the `running` write (they do not depend on it).
  // What they find counts only once that write won: a failed read fails the run below, and is caught
  // here so that it is never an unhandled rejection when the job is skipped.
  const prefetched = kind.prefetch?.(job, ctx);
  prefetched?.catch(() => undefined);
  try {
    await ctx.store.jobs.update(job.projectId, job.id, { status: 'running', attempts: attempt }, ['queued', 'running']);
  } catch (e) {
    // Finished by another delivery meanwhile.
    if (e instanceof StaleRecordError) return 'skipped';
    throw e;
  }
  try {
    // The audit trail is written beside the work, not in front of it (recordEvent never throws).
    const started = recordEvent({ ...jobEvent(job), action: 'job.started', outcome: 'success', reason: `attempt ${attempt}` }, ctx.store);
    const result = await kind.run(job, ctx, prefetched);
    await ctx.store.jobs.update(job.projectId, job.id, { status: 'succeeded', result, reason: undefined });
    log.info('job succeeded', { jobId: job.id, kind: job.kind, project: job.projectId, result });
    // Both outcomes in one write; the message is deleted only once it (and `started`) is done.
    await Promise.all([
      started,
      recordEvents(
        [
          { ...jobEvent(job), action: 'job.succeeded', outcome: 'success' },
          { ...jobEvent(job), action: kind.succeeded, outcome: 'success', object: result },
        ],
        ctx.store,
      ),
    ]);
    return 'succeeded';
  } catch (e) {
    // Another delivery holds the claim: this one does nothing now and comes back. Any other record
    // found in an unexpected state is retried like a transient failure (the retry reads it afresh).
    if (e instanceof ClaimHeldError) return 'busy';
    if (e instanceof JobRefusedError) return refuse(e.message, job.id, job.projectId, ctx);
    if (e instanceof MisboundRecordError || e instanceof IssuedNotDecidedError || e instanceof RecordContradictsCertificateError) {
      await failJob(job, `${e.code}: ${e.message}`, ctx);
      return alarm(e, job.id, job.projectId, ctx);
    }
    if (isPermanent(e)) {
      await failJob(job, `${e.code}: ${e.message}`, ctx);
      return 'failed';
    }
    log.warn('job attempt failed', { jobId: job.id, attempt, maxAttempts, ...errorFields(e) });
    if (attempt < maxAttempts) {
      await ctx.store.jobs.update(job.projectId, job.id, { reason: `attempt ${attempt} of ${maxAttempts} failed: ${tenantReason(e)}; retrying` }).catch(() => undefined);
      return 'retry';
    }
    await failJob(job, `gave up after ${attempt} attempts: ${tenantReason(e)}`, ctx);
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
async function refuse(reason: string, jobId: string | undefined, projectId: string, ctx: WorkerContext): Promise<Outcome> {
  log.warn('job refused', { jobId, project: projectId, reason });
  await recordEvent({ projectId, action: 'job.refused', outcome: 'refused', reason, ...(jobId ? { object: { type: 'job', id: jobId } } : {}) }, ctx.store);
  return 'refused';
}

/**
 * What must never happen did: a record bound to another key (tampering with the store), or a
 * signed certificate that differs from the decision (a driver that did not do as told). Nothing
 * was kept; the operators are alerted (an error log line) and the tenant's trail has an alarm.
 */
async function alarm(e: MisboundRecordError | IssuedNotDecidedError | RecordContradictsCertificateError, jobId: string, projectId: string, ctx: WorkerContext): Promise<Outcome> {
  log.error('issuance alarm', { jobId, project: projectId, code: e.code, reason: e.message });
  await recordEvent({ projectId, action: 'issuance.alarm', outcome: 'refused', reason: `${e.code}: ${e.message}`, object: { type: 'job', id: jobId } }, ctx.store);
  return 'refused';
}

/** Marks the object the job was making as failed, then the job, with a reason the user can read. */
async function failJob(job: JobRecord, reason: string, ctx: WorkerContext): Promise<void> {
  log.warn('job failed', { jobId: job.id, kind: job.kind, reason });
  // The object first, the job last: whoever sees the job failed finds the object failed too. An
  // object that cannot be marked (a record bound to another key: what the alarm is about) does not
  // keep the job from failing, or its message would come back until the dead-letter queue.
  try {
    await JOB_KINDS[job.kind].failObject?.(job, reason, ctx);
  } catch (e) {
    if (!(e instanceof MisboundRecordError)) throw e;
    log.error('failed object not marked', { jobId: job.id, kind: job.kind, ...errorFields(e) });
  }
  await ctx.store.jobs.update(job.projectId, job.id, { status: 'failed', reason });
  await recordEvent({ ...jobEvent(job), action: 'job.failed', outcome: 'failure', reason }, ctx.store);
}
