import { recordEvent } from '../events/index.js';
import { errorFields, log } from '../log/index.js';
import { StaleRecordError, type DueRenewal, type Store } from '../store/index.js';
import { JOB_MESSAGE_VERSION, type JobMessage } from './schema.js';
import { successorOf } from './successor.js';

/** What a renewal run works with: the store (DynamoDB; in memory in tests), the jobs queue, the run's clock. */
export interface RenewalRun {
  store: Pick<Store, 'certificates' | 'jobs' | 'renewals' | 'events'>;
  send: (message: JobMessage) => Promise<void>;
  now: Date;
}

/**
 * One run of the scheduler's renewals: every certificate the index says is due gets a successor
 * from the same CSR (or a fresh server-side key) and its `certificate.issue` job. It holds no key.
 */
export async function renewDue(run: RenewalRun): Promise<{ due: number; renewed: number }> {
  const due = await run.store.renewals.due(run.now);
  let renewed = 0;
  for (const d of due) {
    try {
      if (await renewOne(d, run)) renewed++;
    } catch (e) {
      log.error('renewal not queued', { certificateId: d.id, project: d.projectId, ...errorFields(e) });
    }
  }
  return { due: due.length, renewed };
}

async function renewOne(d: DueRenewal, run: RenewalRun): Promise<boolean> {
  const { store } = run;
  const old = await store.certificates.get(d.projectId, d.id);
  if (!old || old.status !== 'issued' || !old.renewal) {
    await store.renewals.unschedule(d.projectId, d.id);
    return false;
  }
  const { fresh, job } = successorOf(old, { renewedFrom: old.id });
  const id = fresh.id;
  await store.certificates.create(fresh);
  await store.jobs.create(job);
  try {
    await store.renewals.claim(d, id);
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    // Another run renewed it (or it was revoked): this one never existed as far as users care.
    await store.certificates.update(d.projectId, id, { status: 'failed', failureReason: 'renewed by another run' });
    await store.jobs.update(d.projectId, job.id, { status: 'failed', reason: 'renewed by another run' });
    return false;
  }
  try {
    await run.send({ v: JOB_MESSAGE_VERSION, jobId: job.id, projectId: d.projectId, kind: 'certificate.issue', params: job.params } as JobMessage);
  } catch (e) {
    await store.jobs.update(d.projectId, job.id, { status: 'failed', reason: 'the job queue was unavailable' });
    await store.certificates.update(d.projectId, id, { status: 'failed', failureReason: 'the job queue was unavailable' });
    await store.renewals.schedule(d.projectId, d.id, d.renewAt);
    throw e;
  }
  await recordEvent({ projectId: d.projectId, action: 'certificate.renewal_started', outcome: 'success', object: { type: 'certificate', id: old.id }, reason: `new certificate ${id}, job ${job.id}` }, store);
  return true;
}
