import { projectRoute } from '../../lib/http/index.js';
import { currentPolicy, enforce } from '../../lib/policy/index.js';

/** GET /v1/policies — the rules in force (defaults merged with policy.json), for admins. */
export const handler = projectRoute({}, async ({ credentials }) => {
  enforce('ca:policies:get', credentials, { project_id: credentials.projectId });
  const policy = currentPolicy();
  return { status: 200, body: { policies: policy.texts, source: policy.source } };
});
