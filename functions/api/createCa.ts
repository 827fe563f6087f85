import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { CreateCaBody } from '../../lib/requests/index.js';
import { cas, type CaRecord } from '../../lib/store/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { caView, jobView } from '../../lib/views/index.js';

/** POST /v1/cas — records a pending root CA and queues the job that creates its key and certificate. */
export const handler = projectRoute({ body: CreateCaBody }, async ({ body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:cas:create', credentials, { project_id: projectId });
  const caId = crypto.randomUUID();
  const job = newJob('ca.create', projectId, userId, { caId });
  const now = job.createdAt;
  const ca: CaRecord = {
    id: caId,
    projectId,
    createdBy: userId,
    createdAt: now,
    updatedAt: now,
    name: body.name ?? body.subject.CN,
    subject: body.subject,
    keyType: body.key_type,
    validityDays: body.validity_days,
    status: 'pending',
    jobId: job.id,
  };
  await cas.create(ca);
  await submitJob(job, async (reason) => {
    await cas.update(projectId, caId, { status: 'failed', failureReason: reason });
  });
  return {
    status: 202,
    audit: { action: 'ca.create.requested', object: { type: 'ca', id: caId } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { ca: caView(ca, baseUrl), job: jobView(job, baseUrl) },
  };
});
