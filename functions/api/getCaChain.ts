import { badRequest, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas } from '../../lib/store/index.js';
import { caChainPems } from '../../lib/views/index.js';

/** GET /v1/cas/{id}/chain — the CA's certificate and its issuers' up to the root, as a list and as one PEM bundle. */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, query, credentials }) => {
  enforce('ca:cas:get', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  // After a rotation, `cross` is the path for relying parties that still trust only the old root.
  const variant = query.variant ?? 'current';
  if (variant !== 'current' && variant !== 'cross') throw badRequest('QUERY_INVALID', '"variant" is "current" or "cross".', { field: 'variant' });
  if (variant === 'cross' && !(ca.crossCertificatePem && ca.previousCertificatePem)) throw notFound('CHAIN_NOT_FOUND', `CA ${ca.id} has no cross-signed chain; it has not been rotated.`);
  const chain = variant === 'cross' ? [ca.crossCertificatePem!, ca.previousCertificatePem!] : caChainPems(ca);
  return { status: 200, body: { chain, pem: chain.map((p) => `${p.trim()}\n`).join('') } };
});
