import { csrSha256 } from '../enroll/csr.js';
import type { CaRecord, CertificateRecord, JobRecord } from '../store/index.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';

/** The project of the cloud operator's login CAs (lib/http SYSTEM_PROJECT; the worker does not import the HTTP layer). */
const LOGIN_PROJECT = 'system';

/**
 * Before a Keystone user certificate is signed: a login CA lives only in the operator's project,
 * and the certificate is what its enrollment asked for (issuing, this certificate, this user, this
 * CSR). The RA has already refused a user certificate from any other CA, and anything else from a
 * login CA.
 */
export async function checkUserCertificateRequest(job: JobRecord, ca: CaRecord, cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  if (ca.kind !== 'login' && !cert.keystoneUser && !cert.enrollmentId) return;
  if (ca.kind === 'login' && job.projectId !== LOGIN_PROJECT) throw new JobRefusedError(`CA ${ca.id} says it is a login CA but is in project ${job.projectId}; login CAs are only the operator's`);
  if (!cert.enrollmentId || !cert.keystoneUser) throw new JobRefusedError(`certificate ${cert.id} is a user certificate without an enrollment`);
  const e = await ctx.store.enrollments.get(job.projectId, cert.enrollmentId);
  const fits =
    e &&
    e.status === 'issuing' &&
    e.caId === ca.id &&
    e.certificateId === cert.id &&
    e.jobId === job.id &&
    e.user.id === cert.keystoneUser.id &&
    e.user.name === cert.keystoneUser.name &&
    e.csrSha256 !== undefined &&
    cert.csrPem !== undefined &&
    csrSha256(cert.csrPem) === e.csrSha256;
  if (!fits) throw new JobRefusedError(`certificate ${cert.id} is not what enrollment ${cert.enrollmentId} asked for`);
}
