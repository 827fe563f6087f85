import { pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { containers } from '../../lib/store/index.js';
import { containerView } from '../../lib/views/index.js';

/** GET /v1/containers — the project's registered containers, paginated with limit/marker. */
export const handler = projectRoute({}, async ({ query, credentials, baseUrl }) => {
  enforce('ca:containers:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const page = await containers.list(credentials.projectId, limit, marker);
  return {
    status: 200,
    body: { containers: page.items.map((c) => containerView(c, baseUrl)), containers_links: pageLinks(`${baseUrl}/v1/containers`, query, limit, page.next) },
  };
});
