import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas } from '../../lib/store/index.js';
import { caChainPems } from '../../lib/views/index.js';

/** GET /v1/cas/{id}/chain — the CA's certificate and its issuers' up to the root, as a list and as one PEM bundle. */
export const handler = projectRoute({}, async ({ params, credentials }) => {
  enforce('ca:cas:get', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  const chain = caChainPems(ca);
  return { status: 200, body: { chain, pem: chain.map((p) => `${p.trim()}\n`).join('') } };
});
