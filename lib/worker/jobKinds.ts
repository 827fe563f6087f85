import { errorFields, log } from '../log/index.js';
import { recordEvent } from '../events/index.js';
import type { JobKind, JobRecord } from '../store/index.js';
import type { WorkerContext } from './context.js';
import { runCreateCa } from './createCa.js';
import { runInstallCaCertificate } from './installCaCertificate.js';
import { readIssuance, runIssueCertificate } from './issueCertificate.js';
import { runRegisterContainer } from './registerContainer.js';
import { runPublishCrl } from './revocation.js';
import { runRotateCa } from './rotateCa.js';
import { acmeOrderFailed } from './acmeOrder.js';

export type JobResult = { type: 'ca' | 'certificate' | 'container'; id: string };

/** What the worker does for each kind of job (its message schema is in lib/jobs/schema.ts). */
export interface JobKindSpec<Reads = unknown> {
  /**
   * Reads `run` needs whatever the job's state, keyed by the stored job (never the message): started
   * beside the `running` write, so the attempt waits for one round trip, not two. Handed to `run` as
   * the promise: a read that fails, fails the run.
   */
  prefetch?(job: JobRecord, ctx: WorkerContext): Promise<Reads>;
  run(job: JobRecord, ctx: WorkerContext, prefetched?: Promise<Reads>): Promise<JobResult>;
  /** The audit action of its success. */
  succeeded: string;
  /** Settles the object it was making when the job fails for good, with the reason (before the job). */
  failObject?(job: JobRecord, reason: string, ctx: WorkerContext): Promise<void>;
}

const ignoreStale = () => undefined;

/**
 * A renewal that failed is never dropped: the old certificate goes back in the renewal index,
 * later each time (1 h, 2 h, 4 h ... at most a day), and the failure is an event its owner sees.
 */
async function renewalFailed(job: JobRecord, oldId: string, reason: string, ctx: WorkerContext): Promise<void> {
  const old = await ctx.store.certificates.get(job.projectId, oldId);
  if (!old || old.status !== 'issued') return;
  const failures = (old.renewalFailures ?? 0) + 1;
  const retryAt = new Date(ctx.now().getTime() + Math.min(2 ** (failures - 1), 24) * 3_600_000).toISOString();
  await ctx.store.renewals.schedule(job.projectId, oldId, retryAt, failures).catch((e) => log.warn('renewal not re-armed', { certificateId: oldId, ...errorFields(e) }));
  await recordEvent({ projectId: job.projectId, action: 'certificate.renewal_failed', outcome: 'failure', object: { type: 'certificate', id: oldId }, reason: `attempt ${failures}: ${reason}; next attempt at ${retryAt}` }, ctx.store);
}

/** Every job kind, in one table: adding a kind is one entry here and one schema in lib/jobs. */
export const JOB_KINDS: { readonly [K in JobKind]: JobKindSpec } = {
  'ca.create': {
    run: runCreateCa,
    succeeded: 'ca.created',
    failObject: (job, reason, ctx) => ctx.store.cas.update(job.projectId, job.params.caId, { status: 'failed', failureReason: reason }, ['pending']).then(() => undefined, ignoreStale),
  },
  'ca.install': {
    run: runInstallCaCertificate,
    succeeded: 'ca.certificate.installed',
    failObject: (job, reason, ctx) => ctx.store.cas.update(job.projectId, job.params.caId, { failureReason: reason, upload: undefined }, ['awaiting_certificate']).then(() => undefined, ignoreStale),
  },
  'certificate.issue': {
    prefetch: readIssuance,
    run: runIssueCertificate,
    succeeded: 'certificate.issued',
    async failObject(job, reason, ctx) {
      await ctx.store.certificates.update(job.projectId, job.params.certificateId, { status: 'failed', failureReason: reason }, ['pending']).catch(ignoreStale);
      const cert = await ctx.store.certificates.get(job.projectId, job.params.certificateId);
      // A user certificate's renewal is the holder's request, not the scheduler's: nothing to retry.
      if (cert?.renewedFrom && !cert.keystoneUser) await renewalFailed(job, cert.renewedFrom, reason, ctx);
      if (cert?.acme) await acmeOrderFailed(cert, reason, ctx);
    },
  },
  'container.register': {
    run: runRegisterContainer,
    succeeded: 'container.registered',
    failObject: (job, reason, ctx) => ctx.store.containers.update(job.projectId, job.params.containerId, { status: 'error', failureReason: reason }, ['pending']).then(() => undefined, ignoreStale),
  },
  'crl.publish': { run: runPublishCrl, succeeded: 'crl.published' },
  'ca.rotate': { run: runRotateCa, succeeded: 'ca.rotated' },
};
