import { pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { certificates } from '../../lib/store/index.js';
import { certificateView } from '../../lib/views/index.js';

/** GET /v1/certificates[?ca_id=] — the project's certificates, optionally of one CA, limit/marker paginated. */
export const handler = projectRoute({ query: { ca_id: 'ca' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:certificates:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const caId = query.ca_id;
  const page = await certificates.list(credentials.projectId, limit, marker, caId);
  return {
    status: 200,
    body: {
      certificates: page.items.map((c) => certificateView(c, baseUrl)),
      certificates_links: pageLinks(`${baseUrl}/v1/certificates`, query, limit, page.next),
    },
  };
});
