import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { UploadCaCertificateBody } from '../../lib/requests/index.js';
import { cas, StaleRecordError } from '../../lib/store/index.js';
import { caView, jobView } from '../../lib/views/index.js';
import { parseCsr, UPLOAD_CLOCK_SKEW_MS, verifyUploadedChain } from '../../lib/x509/index.js';


/**
 * PUT /v1/cas/{id}/certificate — the external CA's certificate for this CA's CSR, with every
 * external intermediate and the root. Verified here (RFC 5280; no key is involved) so that a
 * bundle that does not verify is a 400 naming the broken link at once; then the worker verifies
 * it again and installs it (only the worker writes a CA's certificate): 202 with the job.
 */
export const handler = projectRoute({ params: { id: 'ca' }, body: UploadCaCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:cas:update', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (!ca.external || ca.status !== 'awaiting_certificate' || !ca.caCsrPem) {
    throw conflict('CA_NOT_AWAITING_CERTIFICATE', `CA ${ca.id} is ${ca.status}; a certificate can be uploaded only for an external CA waiting for one.`);
  }
  verifyUploadedChain({ certificatePem: body.certificate, bundlePem: body.chain, expectedSpkiDer: parseCsr(ca.caCsrPem).spkiDer, now: new Date(Date.now() + UPLOAD_CLOCK_SKEW_MS) });
  const job = newJob('ca.install', projectId, userId, { caId: ca.id });
  let updated;
  try {
    updated = await cas.update(projectId, ca.id, { upload: { certificatePem: body.certificate, chainPem: body.chain }, installJobId: job.id }, ['awaiting_certificate']);
  } catch (e) {
    if (e instanceof StaleRecordError) throw conflict('CA_BUSY', `CA ${ca.id} changed meanwhile; look at it again.`);
    throw e;
  }
  await submitJob(job, async () => {
    await cas.update(projectId, ca.id, { upload: undefined, installJobId: undefined }, ['awaiting_certificate']);
  });
  return {
    status: 202,
    audit: { action: 'ca.certificate.uploaded', object: { type: 'ca', id: ca.id } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { ca: caView(updated, baseUrl), job: jobView(job, baseUrl) },
  };
});
