import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas } from '../../lib/store/index.js';

/** GET /v1/cas/{id}/csr — an external intermediate's CSR, for the owner's external CA to sign. */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, credentials }) => {
  enforce('ca:cas:get', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (!ca.external) throw conflict('CA_NOT_EXTERNAL', `CA ${ca.id} is signed by this service; it has no CSR.`);
  if (!ca.caCsrPem || ca.status === 'pending') throw conflict('CSR_NOT_READY', `The CSR of CA ${ca.id} is being made; follow job ${ca.jobId}.`);
  return { status: 200, body: { csr: ca.caCsrPem, subject: ca.subject, status: ca.status } };
});
