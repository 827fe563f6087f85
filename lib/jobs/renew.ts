import { recordEvent } from '../events/index.js';
import { errorFields, log } from '../log/index.js';
import { StaleRecordError, type DueRenewal, type RenewalClaim, type Store } from '../store/index.js';
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
 * A renewal that could not be queued keeps its claim and is finished by the first run after the lease.
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

/**
 * How long a run's claim keeps other runs off a renewal. A claim older than that was left by a run
 * that stopped (or could not queue the job); the next run takes it over and finishes the renewal
 * with the same ids.
 */
export const RENEWAL_CLAIM_LEASE_MS = 10 * 60_000;

async function renewOne(d: DueRenewal, run: RenewalRun): Promise<boolean> {
  const { store } = run;
  const old = await store.certificates.get(d.projectId, d.id);
  if (!old || old.status !== 'issued' || !old.renewal) {
    await store.renewals.unschedule(d.projectId, d.id);
    return false;
  }
  const seen = old.renewalClaim;
  if (seen && Date.parse(seen.at) + RENEWAL_CLAIM_LEASE_MS > run.now.getTime()) return false;
  const { fresh, job } = successorOf(old, { renewedFrom: old.id }, seen);
  const claim: RenewalClaim = { certificateId: fresh.id, jobId: job.id, at: run.now.toISOString() };
  // Claimed before anything is written: a run that loses has made nothing a tenant could see.
  try {
    await store.renewals.claim(d, claim, seen);
  } catch (e) {
    if (e instanceof StaleRecordError) return false;
    throw e;
  }
  // A run taking over writes only what the stopped one did not.
  if (!(await store.certificates.get(d.projectId, fresh.id))) await store.certificates.create(fresh);
  const recorded = await store.jobs.get(d.projectId, job.id);
  if (!recorded) await store.jobs.create(job);
  // Sent again when the stopped run may not have sent it: the worker runs a job once however often it is sent.
  if ((recorded ?? job).status === 'queued') await run.send({ v: JOB_MESSAGE_VERSION, jobId: job.id, projectId: d.projectId, kind: 'certificate.issue', params: { caId: old.caId, certificateId: fresh.id } });
  try {
    await store.renewals.finish(d, claim);
  } catch (e) {
    // The successor's job already failed and put the certificate back in the index.
    if (!(e instanceof StaleRecordError)) throw e;
  }
  await recordEvent({ projectId: d.projectId, action: 'certificate.renewal_started', outcome: 'success', object: { type: 'certificate', id: old.id }, reason: `new certificate ${fresh.id}, job ${job.id}` }, store);
  return true;
}
