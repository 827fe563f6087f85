import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { RegenerateCsrBody } from '../../lib/requests/index.js';
import { cas, StaleRecordError } from '../../lib/store/index.js';
import { caView, jobView } from '../../lib/views/index.js';

/**
 * POST /v1/cas/{id}/csr — a new CSR for the same key with another subject, for external CAs that
 * refuse mismatched O/OU/C. Only while the CA still waits for its certificate.
 */
export const handler = projectRoute({ params: { id: 'ca' }, body: RegenerateCsrBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:cas:update', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (!ca.external || ca.status !== 'awaiting_certificate') throw conflict('CA_NOT_AWAITING_CERTIFICATE', `CA ${ca.id} is ${ca.status}; only an external CA waiting for its certificate gets a new CSR.`);
  const job = newJob('ca.create', projectId, userId, { caId: ca.id });
  let updated;
  try {
    updated = await cas.update(projectId, ca.id, { subject: body.subject, name: ca.name, status: 'pending', jobId: job.id }, ['awaiting_certificate']);
  } catch (e) {
    if (e instanceof StaleRecordError) throw conflict('CA_BUSY', `CA ${ca.id} changed meanwhile; look at it again.`);
    throw e;
  }
  await submitJob(job, async () => {
    // Back to what it was: the old CSR (still stored) matches the key.
    await cas.update(projectId, ca.id, { subject: ca.subject, status: 'awaiting_certificate', jobId: ca.jobId }, ['pending']);
  });
  return {
    status: 202,
    audit: { action: 'ca.csr.requested', object: { type: 'ca', id: ca.id } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { ca: caView(updated, baseUrl), job: jobView(job, baseUrl) },
  };
});
