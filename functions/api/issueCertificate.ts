import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { decideIssuance, type IssuanceRequest } from '../../lib/ra/index.js';
import { IssueCertificateBody, requestedSans, sanToString } from '../../lib/requests/index.js';
import { cas, certificates, type CertificateRecord } from '../../lib/store/index.js';
import { certificateView, jobView } from '../../lib/views/index.js';
import { parseCsr } from '../../lib/x509/index.js';

/**
 * POST /v1/cas/{id}/certificates — the RA decides now (bad input is a 400 at once, not a failed
 * job later), policy answers the questions the decision raises (wildcards, TTL beyond max), and
 * the request is recorded with those answers; the worker decides again before it signs.
 */
export const handler = projectRoute({ params: { id: 'ca' }, body: IssueCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  const target = { project_id: projectId };
  enforce('ca:certificates:create', credentials, target);
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  const csr = body.csr ? parseCsr(body.csr) : undefined;
  let serverSideKey: CertificateRecord['serverSideKey'];
  if (!csr) {
    const sans = requestedSans(body.sans, []);
    const firstDns = sans.find((s) => s.startsWith('DNS:'))?.slice(4);
    serverSideKey = { keyType: body.key_type ?? 'EC-P256', subject: body.subject ?? { CN: body.object_id ?? firstDns ?? sans[0].replace(/^[A-Za-z]+:/, '') } };
  }
  const request: IssuanceRequest = { ...(csr ? { csr } : { serverSideKey }), sans: body.sans, ttlSeconds: body.ttl, objectId: body.object_id, profile: body.profile };
  const decision = decideIssuance(ca, request, new Date());
  // Wildcards and long lifetimes are the seeds' examples of what only admins may ask for.
  if (decision.questions.wildcard) enforce('ca:certificates:create:wildcard', credentials, target);
  if (decision.questions.ttlOverMax) enforce('ca:certificates:create:ttl_over_max', credentials, target);

  const certificateId = crypto.randomUUID();
  const job = newJob('certificate.issue', projectId, userId, { caId: ca.id, certificateId });
  const cert: CertificateRecord = {
    id: certificateId,
    projectId,
    createdBy: userId,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    caId: ca.id,
    jobId: job.id,
    status: 'pending',
    ...(body.csr ? { csrPem: body.csr.trim() } : { serverSideKey }),
    sans: decision.sans.map(sanToString),
    ttlSeconds: decision.ttlSeconds,
    profile: decision.profile,
    ...(decision.questions.ttlOverMax ? { ttlBeyondMax: true } : {}),
    ...(decision.questions.wildcard ? { wildcardAllowed: true } : {}),
    ...(body.object_id ? { objectId: body.object_id } : {}),
    ...(body.renewal ? { renewal: body.renewal } : {}),
    ...(csr ? { subject: csr.subject } : {}),
  };
  await certificates.create(cert);
  await submitJob(job, async (reason) => {
    await certificates.update(projectId, certificateId, { status: 'failed', failureReason: reason });
  });
  return {
    status: 202,
    audit: { action: 'certificate.issue.requested', object: { type: 'certificate', id: certificateId } },
    headers: { Location: `${baseUrl}/v1/jobs/${job.id}` },
    body: { certificate: certificateView(cert, baseUrl), job: jobView(job, baseUrl) },
  };
});
