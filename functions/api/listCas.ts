import { pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas } from '../../lib/store/index.js';
import { caView } from '../../lib/views/index.js';

/** GET /v1/cas — the project's CAs, paginated with limit/marker. */
export const handler = projectRoute({}, async ({ query, credentials, baseUrl }) => {
  enforce('ca:cas:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const page = await cas.list(credentials.projectId, limit, marker);
  return {
    status: 200,
    body: { cas: page.items.map((ca) => caView(ca, baseUrl)), cas_links: pageLinks(`${baseUrl}/v1/cas`, query, limit, page.next) },
  };
});
