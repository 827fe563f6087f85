import { badRequest, notFound } from '../../lib/errors/index.js';
import { decideSubordinate } from '../../lib/ra/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { CreateCaBody } from '../../lib/requests/index.js';
import { cas, type CaRecord } from '../../lib/store/index.js';
import { caView, jobView } from '../../lib/views/index.js';
import { isEmptyConstraints, normaliseNameConstraints } from '../../lib/x509/index.js';

/**
 * POST /v1/cas — records a pending CA and queues the job that creates its key and certificate:
 * a root, or with `parent_ca_id` an intermediate signed by another CA of the project.
 */
export const handler = projectRoute({ body: CreateCaBody }, async ({ body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  enforce('ca:cas:create', credentials, { project_id: projectId });
  const own = normaliseNameConstraints({
    permittedDns: body.name_constraints?.permitted_dns,
    excludedDns: body.name_constraints?.excluded_dns,
    permittedIp: body.name_constraints?.permitted_ip,
    excludedIp: body.name_constraints?.excluded_ip,
    permittedEmail: body.name_constraints?.permitted_email,
    excludedEmail: body.name_constraints?.excluded_email,
  });
  const nameConstraints = isEmptyConstraints(own) ? undefined : own;

  let parent: CaRecord | undefined;
  let pathLen = body.path_len;
  if (body.external && body.parent_ca_id) throw badRequest('BODY_INVALID', 'Field "external": an external intermediate has no parent_ca_id; its issuer is outside the service.', { field: 'external' });
  if (body.parent_ca_id) {
    parent = await cas.get(projectId, body.parent_ca_id);
    if (!parent) throw notFound('CA_NOT_FOUND', `No CA ${body.parent_ca_id} in your project to sign the intermediate.`);
    pathLen = decideSubordinate(parent, body.path_len, new Date()).pathLen;
  }

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
    ...(parent ? { parentId: parent.id } : {}),
    ...(body.external ? { external: true } : {}),
    ...(pathLen !== undefined ? { pathLen } : {}),
    // The constraints of its whole path are recorded by the worker, which signs under them.
    ...(nameConstraints ? { nameConstraints } : {}),
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
