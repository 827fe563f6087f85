import type { IssuanceDecision } from '../ra/index.js';
import { sanToString } from '../requests/index.js';
import type { CertificateRecord, EnrollmentRecord, JobRecord } from '../store/index.js';
import { newJob } from './submit.js';

/** The job an enrollment gone `issuing` asks for, under the id it recorded. */
export const enrollmentJobOf = (e: EnrollmentRecord): JobRecord => ({ ...newJob('certificate.issue', e.projectId, e.createdBy, { caId: e.caId, certificateId: e.certificateId! }), id: e.jobId! });

/**
 * The pending Keystone user certificate an enrollment gone `issuing` asks for, under the id it
 * recorded, as the RA decided it: its subject is made from the user, never from the CSR.
 */
export function userCertificateOf(e: EnrollmentRecord, decision: IssuanceDecision, job: JobRecord): CertificateRecord {
  return {
    id: e.certificateId!,
    projectId: e.projectId,
    createdBy: e.createdBy,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    caId: e.caId,
    jobId: job.id,
    status: 'pending',
    csrPem: e.csrPem!.trim(),
    sans: decision.sans.map(sanToString),
    ttlSeconds: decision.ttlSeconds,
    profile: decision.profile,
    subject: `CN=${e.user.name},UID=${e.user.id}`,
    keystoneUser: e.user,
    enrollmentId: e.id,
    ...(e.renews ? { renewedFrom: e.renews } : {}),
  };
}
