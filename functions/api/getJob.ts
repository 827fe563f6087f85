import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { jobs } from '../../lib/store/index.js';
import { jobView } from '../../lib/views/index.js';

/** GET /v1/jobs/{id} — the state of a job, with a readable reason on failure and a link to its result. */
export const handler = projectRoute({ params: { id: 'job' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:jobs:get', credentials, { project_id: credentials.projectId });
  const job = await jobs.get(credentials.projectId, params.id);
  if (!job) throw notFound('JOB_NOT_FOUND', `No job ${params.id} in your project.`);
  return { status: 200, body: { job: jobView(job, baseUrl) } };
});
