import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas, certificates } from '../../lib/store/index.js';
import { caChainPems, certificateView, crossChainPems } from '../../lib/views/index.js';

/**
 * GET /v1/certificates/{id} — the leaf PEM with its chain (the issuing CA and its issuers), serial,
 * validity, status; after a rotation also `cross_chain`, for relying parties that trust the old root.
 */
export const handler = projectRoute({ params: { id: 'certificate' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:certificates:get', credentials, { project_id: credentials.projectId });
  const cert = await certificates.get(credentials.projectId, params.id);
  if (!cert) throw notFound('CERTIFICATE_NOT_FOUND', `No certificate ${params.id} in your project.`);
  const ca = cert.certificatePem ? await cas.get(credentials.projectId, cert.caId) : undefined;
  const cross = ca && cert.certificatePem ? crossChainPems(ca, cert.certificatePem) : undefined;
  return { status: 200, body: { certificate: certificateView(cert, baseUrl, ca ? caChainPems(ca).join('\n') : undefined, cross?.join('\n')) } };
});
