import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { containers } from '../../lib/store/index.js';
import { containerView } from '../../lib/views/index.js';

/** GET /v1/containers/{id} — a registered container: state, certificate, chain, validity; never the key. */
export const handler = projectRoute({ params: { id: 'container' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:containers:get', credentials, { project_id: credentials.projectId });
  const c = await containers.get(credentials.projectId, params.id);
  if (!c) throw notFound('CONTAINER_NOT_FOUND', `No registered container ${params.id} in your project.`);
  return { status: 200, body: { container: containerView(c, baseUrl) } };
});
