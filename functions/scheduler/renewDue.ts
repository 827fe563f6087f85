import { recordEvent } from '../../lib/events/index.js';
import { newJob, sendJob, submitJob, successorOf, JOB_MESSAGE_VERSION, type JobMessage } from '../../lib/jobs/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import {
  certificates,
  claimRenewal,
  dueCrlRefreshes,
  dueExpiryNotices,
  postponeCrlRefresh,
  dueRenewals,
  jobs,
  nextExpiryNotice,
  putExpiryNotice,
  scheduleRenewal,
  StaleRecordError,
  takeExpiryNotice,
  unscheduleRenewal,
  type DueRenewal,
} from '../../lib/store/index.js';

/**
 * Scheduled (and, locally, on demand): finds certificates due for renewal through the renewal
 * index and queues a `certificate.issue` job for a new certificate from the same CSR. It holds no
 * key. Each renewal is claimed under a condition first, so two runs never renew one certificate
 * twice; if queueing fails the claim is given back and the next run tries again.
 */
export const handler = async (event: { now?: string } = {}): Promise<{ due: number; renewed: number; expiring: number }> => {
  // Tests move the clock instead of sleeping; only where the operator allows it (the local stack).
  const now = process.env.ALLOW_CLOCK_OVERRIDE === '1' && event.now ? new Date(event.now) : new Date();
  const due = await dueRenewals(now);
  let renewed = 0;
  for (const d of due) {
    try {
      if (await renewOne(d)) renewed++;
    } catch (e) {
      log.error('renewal not queued', { certificateId: d.id, project: d.projectId, ...errorFields(e) });
    }
  }
  const expiring = await sendExpiryNotices(now);
  await refreshCrls(now);
  log.info('renewals', { at: now.toISOString(), due: due.length, renewed, expiring });
  return { due: due.length, renewed, expiring };
};

/** CRLs (and every OCSP answer of their CA) re-signed at half their validity, by a worker job. */
async function refreshCrls(now: Date): Promise<void> {
  for (const due of await dueCrlRefreshes(now)) {
    try {
      // Claimed by moving it an hour on: a failed job is retried by a later run, never lost.
      if (!(await postponeCrlRefresh(due.projectId, due.crlId, due.refreshAt, new Date(now.getTime() + 3_600_000)))) continue;
      await submitJob(newJob('crl.publish', due.projectId, 'scheduler', { caId: due.caId, scope: 'all' }), async () => undefined);
    } catch (e) {
      log.error('CRL refresh not queued', { caId: due.caId, project: due.projectId, ...errorFields(e) });
    }
  }
}

/** "Expires in 30/7/1 days" events (and so webhooks), each sent once, then the next one scheduled. */
async function sendExpiryNotices(now: Date): Promise<number> {
  let sent = 0;
  for (const n of await dueExpiryNotices(now)) {
    try {
      const cert = await certificates.get(n.projectId, n.id);
      if (!(await takeExpiryNotice(n.projectId, n.id, n.notifyAt))) continue; // another run has it
      // Revoked, failed or already renewed: its successor has notices of its own.
      if (!cert || cert.status !== 'issued' || !cert.notAfter || cert.renewedBy) continue;
      const notAfter = new Date(cert.notAfter);
      const days = Math.round((notAfter.getTime() - Date.parse(n.notifyAt)) / 86_400_000);
      await recordEvent({ projectId: n.projectId, userId: cert.createdBy, action: 'certificate.expiring', outcome: 'success', object: { type: 'certificate', id: cert.id }, reason: `expires in ${days} day${days === 1 ? '' : 's'}, at ${cert.notAfter}`, detail: { days_to_expiry: days, not_after: cert.notAfter, serial: cert.serial } });
      sent++;
      const next = nextExpiryNotice(notAfter, now);
      if (next) await putExpiryNotice({ id: cert.id, projectId: n.projectId, expiresAt: cert.notAfter, days: next.days, notifyAt: next.notifyAt.toISOString() });
    } catch (e) {
      log.error('expiry notice not sent', { certificateId: n.id, project: n.projectId, ...errorFields(e) });
    }
  }
  return sent;
}

async function renewOne(d: DueRenewal): Promise<boolean> {
  const old = await certificates.get(d.projectId, d.id);
  if (!old || old.status !== 'issued' || !old.renewal) {
    await unscheduleRenewal(d.projectId, d.id);
    return false;
  }
  const { fresh, job } = successorOf(old, { renewedFrom: old.id });
  const id = fresh.id;
  await certificates.create(fresh);
  await jobs.create(job);
  try {
    await claimRenewal(d, id);
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    // Another run renewed it (or it was revoked): this one never existed as far as users care.
    await certificates.update(d.projectId, id, { status: 'failed', failureReason: 'renewed by another run' });
    await jobs.update(d.projectId, job.id, { status: 'failed', reason: 'renewed by another run' });
    return false;
  }
  try {
    await sendJob({ v: JOB_MESSAGE_VERSION, jobId: job.id, projectId: d.projectId, kind: 'certificate.issue', params: job.params } as JobMessage);
  } catch (e) {
    await jobs.update(d.projectId, job.id, { status: 'failed', reason: 'the job queue was unavailable' });
    await certificates.update(d.projectId, id, { status: 'failed', failureReason: 'the job queue was unavailable' });
    await scheduleRenewal(d.projectId, d.id, d.renewAt);
    throw e;
  }
  await recordEvent({ projectId: d.projectId, action: 'certificate.renewal_started', outcome: 'success', object: { type: 'certificate', id: old.id }, reason: `new certificate ${id}, job ${job.id}` });
  return true;
};
