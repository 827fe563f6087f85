import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas, certificates } from '../../lib/store/index.js';
import { certificateView, chainOf, crossChainPems } from '../../lib/views/index.js';

/**
 * GET /v1/certificates/{id} — the leaf PEM with its chain (the CA certificate of the key that signed
 * it, and its issuers), serial, validity, status; after a rotation, for a leaf of the new key, also
 * `cross_chain`, for relying parties that trust the old root.
 */
export const handler = projectRoute({ params: { id: 'certificate' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:certificates:get', credentials, { project_id: credentials.projectId });
  const cert = await certificates.get(credentials.projectId, params.id);
  if (!cert) throw notFound('CERTIFICATE_NOT_FOUND', `No certificate ${params.id} in your project.`);
  const ca = cert.certificatePem ? await cas.get(credentials.projectId, cert.caId) : undefined;
  const cross = ca && cert.certificatePem ? crossChainPems(ca, cert.certificatePem) : undefined;
  return { status: 200, body: { certificate: certificateView(cert, baseUrl, chainOf(ca, cert), cross?.join('\n')) } };
});
