import type { CertificateRecord, JobRecord } from '../store/index.js';
import { newJob } from './submit.js';

/**
 * The pending certificate that replaces `old` (renewal, reissue) and the job that issues it: the
 * same names, profile and lifetime; a server-side key is made afresh, a CSR is signed again.
 * `ids`: the ones a renewal claimed for them (else new).
 */
export function successorOf(old: CertificateRecord, link: { renewedFrom?: string; reissuedFrom?: string }, ids?: { certificateId: string; jobId: string }): { fresh: CertificateRecord; job: JobRecord } {
  const id = ids?.certificateId ?? crypto.randomUUID();
  const job = { ...newJob('certificate.issue', old.projectId, old.createdBy, { caId: old.caId, certificateId: id }), ...(ids ? { id: ids.jobId } : {}) };
  const fresh: CertificateRecord = {
    id,
    projectId: old.projectId,
    createdBy: old.createdBy,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    caId: old.caId,
    jobId: job.id,
    status: 'pending',
    ...(old.serverSideKey ? { serverSideKey: old.serverSideKey } : { csrPem: old.csrPem }),
    sans: old.sans,
    ttlSeconds: old.ttlSeconds,
    ...(old.subject ? { subject: old.subject } : {}),
    ...(old.renewal ? { renewal: old.renewal } : {}),
    ...(old.profile ? { profile: old.profile } : {}),
    ...(old.ttlBeyondMax ? { ttlBeyondMax: true } : {}),
    ...(old.objectId ? { objectId: old.objectId } : {}),
    ...link,
  };
  return { fresh, job };
}
