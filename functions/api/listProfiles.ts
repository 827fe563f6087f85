import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { DEFAULT_PROFILE } from '../../lib/profiles/index.js';
import { cas } from '../../lib/store/index.js';
import { profileView } from '../../lib/views/index.js';

/** GET /v1/cas/{id}/profiles — the CA's profiles, the built-in `default` included unless replaced. */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, credentials }) => {
  enforce('ca:profiles:list', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  const profiles = { default: DEFAULT_PROFILE, ...ca.profiles };
  return { status: 200, body: { profiles: Object.values(profiles).map(profileView) } };
});
