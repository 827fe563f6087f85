import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { IssueCertificateBody, PROFILE_MAX_TTL_SECONDS, requestedSans } from '../../lib/requests/index.js';
import { cas, certificates, type CertificateRecord } from '../../lib/store/index.js';
import { certificateView, jobView } from '../../lib/views/index.js';
import { parseCsr } from '../../lib/x509/index.js';

/**
 * POST /v1/cas/{id}/certificates — checks the CSR (parse, signature, key) and names here so that
 * bad input is a 400 now rather than a failed job later; the worker checks them all again.
 */
export const handler = projectRoute({ body: IssueCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:certificates:create', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (ca.status !== 'active') throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; wait for its job to succeed.`);
  const csr = parseCsr(body.csr);
  const sans = requestedSans(body.sans, csr.sans);
  // Wildcards and long lifetimes are the seeds' examples of what only admins may ask for.
  if (sans.some((san) => san.startsWith('DNS:*.')))
    enforce('ca:certificates:create:wildcard', credentials, { project_id: projectId });
  if (body.ttl > PROFILE_MAX_TTL_SECONDS) enforce('ca:certificates:create:ttl_over_max', credentials, { project_id: projectId });

  const certificateId = crypto.randomUUID();
  const job = newJob('certificate.issue', projectId, userId, { caId: ca.id, certificateId });
  const cert: CertificateRecord = {
    id: certificateId,
    projectId,
    createdBy: userId,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    caId: ca.id,
    jobId: job.id,
    status: 'pending',
    csrPem: body.csr.trim(),
    sans,
    ttlSeconds: body.ttl,
    subject: csr.subject,
  };
  await certificates.create(cert);
  await submitJob(job, async (reason) => {
    await certificates.update(projectId, certificateId, { status: 'failed', failureReason: reason });
  });
  return {
    status: 202,
    audit: { action: 'certificate.issue.requested', object: { type: 'certificate', id: certificateId } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { certificate: certificateView(cert, baseUrl), job: jobView(job, baseUrl) },
  };
});
