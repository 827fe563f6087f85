import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas } from '../../lib/store/index.js';
import { caView } from '../../lib/views/index.js';

/** GET /v1/cas/{id} — a CA of the caller's project; another project's CA is simply not found. */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:cas:get', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  return { status: 200, body: { ca: caView(ca, baseUrl) } };
});
