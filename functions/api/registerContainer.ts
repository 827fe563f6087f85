import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { RegisterContainerBody } from '../../lib/requests/index.js';
import { containers, type ContainerRecord } from '../../lib/store/index.js';
import { containerView, jobView } from '../../lib/views/index.js';

/**
 * POST /v1/containers — registers the caller's own Barbican certificate container by reference
 * (after they granted the service user a read ACL). The API never reads it: the worker does,
 * checking ownership, key, chain and validity; the job fails with the reason if any check fails.
 */
export const handler = projectRoute({ body: RegisterContainerBody }, async ({ body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:containers:create', credentials, { project_id: projectId });
  const id = crypto.randomUUID();
  const job = newJob('container.register', projectId, userId, { containerId: id });
  const record: ContainerRecord = {
    id,
    projectId,
    createdBy: userId,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    name: body.name,
    containerRef: body.container_ref,
    jobId: job.id,
    status: 'pending',
  };
  await containers.create(record);
  await submitJob(job, async (reason) => {
    await containers.update(projectId, id, { status: 'error', failureReason: reason });
  });
  return {
    status: 202,
    audit: { action: 'container.register.requested', object: { type: 'container', id } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { container: containerView(record, baseUrl), job: jobView(job, baseUrl) },
  };
});
