import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { checkCsrIssuance, checkIssuance, profileFor } from '../../lib/profiles/index.js';
import { IssueCertificateBody, requestedSans, sanToString } from '../../lib/requests/index.js';
import { cas, certificates, type CertificateRecord } from '../../lib/store/index.js';
import { certificateView, jobView } from '../../lib/views/index.js';
import { checkNameConstraints, parseCsr, parseSans } from '../../lib/x509/index.js';

/**
 * POST /v1/cas/{id}/certificates — checks the CSR (parse, signature, key), the names and the TTL
 * against the CA's profile here, so that bad input is a 400 now rather than a failed job later;
 * the worker checks them all again.
 */
export const handler = projectRoute({ params: { id: 'ca' }, body: IssueCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  const target = { project_id: projectId };
  enforce('ca:certificates:create', credentials, target);
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (ca.status !== 'active') throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; wait for its job to succeed.`);
  const profile = profileFor(ca.profiles, body.profile);
  // Going beyond the profile's max_ttl is a policy question (403), not a bad request.
  const common = { ttlSeconds: body.ttl, objectId: body.object_id, mayExceedMaxTtl: true, now: new Date() };
  const csr = body.csr ? parseCsr(body.csr) : undefined;
  let serverSideKey: CertificateRecord['serverSideKey'];
  let decision;
  if (csr) {
    decision = checkCsrIssuance(profile, { csr, sans: requestedSans(body.sans, csr.sans), ...common });
  } else {
    const sans = requestedSans(body.sans, []);
    const firstDns = sans.find((s) => s.startsWith('DNS:'))?.slice(4);
    serverSideKey = { keyType: body.key_type ?? 'EC-P256', subject: body.subject ?? { CN: body.object_id ?? firstDns ?? sans[0].replace(/^[A-Za-z]+:/, '') } };
    decision = checkIssuance(profile, { keyType: serverSideKey.keyType, sans: parseSans(sans), subject: serverSideKey.subject, ...common });
  }
  // An intermediate's name constraints, and those of the CAs above it.
  checkNameConstraints(decision.sans, ca.constraintChain ?? []);
  // Wildcards and long lifetimes are the seeds' examples of what only admins may ask for.
  if (decision.wildcard) enforce('ca:certificates:create:wildcard', credentials, target);
  if (decision.ttlBeyondMax) enforce('ca:certificates:create:ttl_over_max', credentials, target);

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
    profile: profile.name,
    ...(decision.ttlBeyondMax ? { ttlBeyondMax: true } : {}),
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
