import { StaleRecordError, type JobRecord } from '../store/index.js';
import { validateCertificateBundle } from '../x509/index.js';
import { JobRefusedError } from './outcomes.js';
import type { WorkerContext } from './context.js';

/**
 * Job `container.register`: reads the tenant's Barbican certificate container through its ACL,
 * refusing any secret its project has not tagged as its own (confused deputy), then checks that
 * key and certificate match, the chain verifies and nothing has expired. Only the public parts
 * (certificate, chain, validity) are stored; the key bytes are wiped after the check.
 */
export async function runRegisterContainer(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'container'; id: string }> {
  const { containerId } = job.params;
  const record = await ctx.store.containers.get(job.projectId, containerId);
  if (!record || record.jobId !== job.id) throw new JobRefusedError(`container ${containerId} of project ${job.projectId} does not belong to job ${job.id}`);
  if (record.status === 'active') return { type: 'container', id: record.id };

  const bundle = await ctx.tenantContainers.readCertificateContainer(record.containerRef, job.projectId);
  let checked;
  try {
    checked = validateCertificateBundle(bundle, ctx.now());
  } finally {
    bundle.privateKey.fill(0);
    bundle.passphrase?.fill(0);
  }
  try {
    await ctx.store.containers.update(
      job.projectId,
      record.id,
      {
        status: 'active',
        certificatePem: checked.certificatePem,
        chainPem: checked.chainPem,
        subject: checked.subject,
        sans: checked.sans,
        serial: checked.serial,
        notBefore: checked.notBefore,
        notAfter: checked.notAfter,
        keyType: checked.keyType,
        failureReason: undefined,
      },
      ['pending'],
    );
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
  }
  return { type: 'container', id: record.id };
}
