import { recordEvent } from '../../lib/events/index.js';
import { completeStuckEnrollments, newJob, renewDue, sendJob, submitJob } from '../../lib/jobs/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import { certificates, dueCrlRefreshes, dueExpiryNotices, dynamoStore, nextExpiryNotice, postponeCrlRefresh, putExpiryNotice, takeExpiryNotice } from '../../lib/store/index.js';

/**
 * Scheduled (and, locally, on demand): finds certificates due for renewal through the renewal
 * index and queues a `certificate.issue` job for a new certificate from the same CSR (lib/jobs
 * renewDue). It holds no key. Each renewal is claimed under a condition before its successor is
 * written, so two runs never renew one certificate twice and the loser writes nothing; a run that
 * stops or cannot queue leaves its claim, which the first run after the lease finishes.
 */
export const handler = async (event: { now?: string } = {}): Promise<{ due: number; renewed: number; expiring: number; enrollmentsCompleted: number }> => {
  // Tests move the clock instead of sleeping; only where the operator allows it (the local stack).
  const now = process.env.ALLOW_CLOCK_OVERRIDE === '1' && event.now ? new Date(event.now) : new Date();
  const run = { store: dynamoStore, send: sendJob, now };
  const { due, renewed } = await renewDue(run);
  const expiring = await sendExpiryNotices(now);
  await refreshCrls(now);
  // Store-only, so here with the API's role: enrollments whose front end stopped before it queued their certificate.
  const enrollmentsCompleted = await completeStuckEnrollments(run);
  log.info('renewals', { at: now.toISOString(), due, renewed, expiring, enrollmentsCompleted });
  return { due, renewed, expiring, enrollmentsCompleted };
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
