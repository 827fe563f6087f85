import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { cas, StaleRecordError } from '../../lib/store/index.js';
import { caView, jobView } from '../../lib/views/index.js';

/**
 * POST /v1/cas/{id}/rotate — rolls the CA over to a new key and certificate under the same name;
 * a root's new key is cross-signed by the old one (GET /v1/cas/{id}/chain?variant=cross).
 */
export const handler = projectRoute({ params: { id: 'ca' } }, async ({ params, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:cas:update', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (ca.status !== 'active') throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}.`);
  if (ca.external) throw conflict('CA_EXTERNAL', `CA ${ca.id} is signed by an external CA; create a new external CA to roll over.`);
  if (ca.rotationJobId) throw conflict('CA_ROTATING', `CA ${ca.id} is already rotating; follow job ${ca.rotationJobId}.`);
  const job = newJob('ca.rotate', projectId, userId, { caId: ca.id });
  let updated;
  try {
    updated = await cas.startRotation(projectId, ca.id, job.id);
  } catch (e) {
    // Another request started a rotation between our read and this write (or the CA stopped being active).
    if (e instanceof StaleRecordError) throw conflict('CA_ROTATING', `CA ${ca.id} is already rotating, or changed meanwhile; follow its jobs.`);
    throw e;
  }
  await submitJob(job, async () => {
    await cas.update(projectId, ca.id, { rotationJobId: undefined });
  });
  return {
    status: 202,
    audit: { action: 'ca.rotate.requested', object: { type: 'ca', id: ca.id } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { ca: caView(updated, baseUrl), job: jobView(job, baseUrl) },
  };
});
