import { notFound } from '../../lib/errors/index.js';
import { publicRoute, revocationCacheHeaders } from '../../lib/http/index.js';
import { crls } from '../../lib/store/index.js';
import { toPem } from '../../lib/x509/index.js';

/**
 * GET /v1/public/{project}/cas/{id}/crl — the CA's CRL as the worker signed it; DER
 * (application/pkix-crl), or PEM with `?format=pem`. Public: relying parties have no token.
 */
const noCrl = (id?: string) => notFound('CRL_NOT_FOUND', `No CRL has been published for ${id ? `CA ${id}` : 'that CA'}.`);

const notPublished = () => {
  throw noCrl();
};

export const handler = publicRoute({ params: { project: 'project', id: 'ca' }, notFound: notPublished }, async ({ event }) => {
  const { project, id } = event.pathParameters as { project: string; id: string };
  const crl = await crls.get(project, id);
  if (!crl) throw noCrl(id);
  const der = Buffer.from(crl.derBase64, 'base64');
  const headers = revocationCacheHeaders(crl.thisUpdate, crl.nextUpdate);
  if (event.queryStringParameters?.format === 'pem') return { status: 200, headers, binary: { data: Buffer.from(toPem(der, 'X509 CRL')), contentType: 'application/x-pem-file' } };
  return { status: 200, headers, binary: { data: der, contentType: 'application/pkix-crl' } };
});
