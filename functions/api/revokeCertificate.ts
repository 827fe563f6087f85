import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { requestRevocation } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { RevokeCertificateBody } from '../../lib/requests/index.js';
import { cas, certificates } from '../../lib/store/index.js';
import { certificateView, chainOf } from '../../lib/views/index.js';

/**
 * POST /v1/certificates/{id}/revoke — records the revocation and queues the worker job that
 * re-signs the CA's CRL and the certificate's OCSP answer (the API signs nothing). Idempotent:
 * revoking again answers the same, with the first time and reason, and queues nothing.
 */
export const handler = projectRoute({ params: { id: 'certificate' }, body: RevokeCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:certificates:revoke', credentials, { project_id: projectId });
  let cert = await certificates.get(projectId, params.id);
  if (!cert) throw notFound('CERTIFICATE_NOT_FOUND', `No certificate ${params.id} in your project.`);
  if (cert.status !== 'issued' && cert.status !== 'revoked') throw conflict('CERTIFICATE_NOT_ISSUED', `Certificate ${cert.id} is ${cert.status}; only issued certificates can be revoked.`);

  const revocation = await requestRevocation(cert, body.reason, userId);
  cert = revocation.cert;
  const audit = revocation.revokedNow ? { action: 'certificate.revoked', object: { type: 'certificate', id: cert.id } } : undefined;
  const ca = await cas.get(projectId, cert.caId);
  return { status: 200, audit, body: { certificate: certificateView(cert, baseUrl, chainOf(ca, cert)) } };
});
