import { unavailable } from '../errors/index.js';
import { errorFields, log } from '../log/index.js';
import { jobs, type JobRecord } from '../store/index.js';
import { sendJob } from './queue.js';
import { JOB_MESSAGE_VERSION, type JobMessage } from './schema.js';

/**
 * Records a job, then queues it. The record comes first so the worker always finds it; if the
 * queue refuses, the job is marked failed (with `onSendFailure` undoing what the caller wrote)
 * and the caller gets a 503: nothing stays queued that will never run.
 */
export async function submitJob(job: JobRecord, onSendFailure: (reason: string) => Promise<void>): Promise<void> {
  await jobs.create(job);
  const message = { v: JOB_MESSAGE_VERSION, jobId: job.id, projectId: job.projectId, kind: job.kind, params: job.params } as JobMessage;
  try {
    await sendJob(message);
  } catch (e) {
    const reason = 'the job queue was unavailable; submit the request again';
    log.error('queue send failed', { jobId: job.id, ...errorFields(e) });
    await jobs.update(job.projectId, job.id, { status: 'failed', reason });
    await onSendFailure(reason);
    throw unavailable('QUEUE_UNAVAILABLE', 'The signing queue is unavailable; nothing was kept. Retry later.', 5, e);
  }
}

export function newJob(kind: JobRecord['kind'], projectId: string, userId: string, params: Record<string, string>): JobRecord {
  const now = new Date().toISOString();
  return { id: crypto.randomUUID(), projectId, createdBy: userId, createdAt: now, updatedAt: now, kind, params, status: 'queued', attempts: 0 };
}
