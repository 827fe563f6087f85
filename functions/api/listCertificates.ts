import { pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { certificateFilters } from '../../lib/requests/certificateFilters.js';
import { certificates } from '../../lib/store/index.js';
import { certificateView } from '../../lib/views/index.js';

/**
 * GET /v1/certificates[?ca_id=&san=&san_suffix=&serial=&status=&expires_before=&expires_after=&profile=]
 * — the project's certificates matching every filter given, limit/marker paginated. With no
 * filter but `ca_id`, the plain listing (which also holds certificates written before search keys).
 */
export const handler = projectRoute({ query: { ca_id: 'ca', profile: 'profile' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:certificates:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const filters = certificateFilters(query);
  const { caId, ...searched } = filters;
  const page = Object.keys(searched).length ? await certificates.search(credentials.projectId, filters, limit, marker) : await certificates.list(credentials.projectId, limit, marker, caId);
  return {
    status: 200,
    body: {
      certificates: page.items.map((c) => certificateView(c, baseUrl)),
      certificates_links: pageLinks(`${baseUrl}/v1/certificates`, query, limit, page.next),
    },
  };
});
