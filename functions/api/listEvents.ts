import { badRequest } from '../../lib/errors/index.js';
import { pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { events } from '../../lib/store/index.js';

/** GET /v1/events[?action=&object_id=] — the project's audit trail, newest first, limit/marker paginated. */
export const handler = projectRoute({ query: { object_id: 'object' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:events:list', credentials, { project_id: credentials.projectId });
  return { status: 200, body: await eventsPage(credentials.projectId, query, `${baseUrl}/v1/events`) };
});

/** One page of a project's events, filtered by `action` and `object_id`, with its `next` link. */
export async function eventsPage(projectId: string, query: Record<string, string | undefined>, url: string) {
  const { limit, marker } = pageParams(query);
  const { action, object_id: objectId } = query;
  if (action !== undefined && !/^[a-z._]{1,64}$/.test(action)) throw badRequest('QUERY_INVALID', '"action" is an event action such as "job.succeeded".', { field: 'action' });
  const where = action || objectId ? (e: { action: string; object?: { id: string } }) => (!action || e.action === action) && (!objectId || e.object?.id === objectId) : undefined;
  const page = await events.list(projectId, limit, marker, where);
  return {
    events: page.items.map((e) => ({ id: e.id, time: e.time, action: e.action, outcome: e.outcome, user_id: e.userId ?? null, request_id: e.requestId ?? null, object: e.object ?? null, reason: e.reason ?? null, detail: e.detail ?? null })),
    events_links: pageLinks(url, query, limit, page.next),
  };
}
