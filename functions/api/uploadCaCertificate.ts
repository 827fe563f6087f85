import { X509Certificate } from 'node:crypto';
import { conflict, notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { enforce } from '../../lib/policy/index.js';
import { UploadCaCertificateBody } from '../../lib/requests/index.js';
import { cas, StaleRecordError } from '../../lib/store/index.js';
import { caView } from '../../lib/views/index.js';
import { parseCsr, verifyUploadedChain } from '../../lib/x509/index.js';

/** Tolerates a clock of the external CA a little ahead of ours. */
const CLOCK_SKEW_MS = 60_000;

/**
 * PUT /v1/cas/{id}/certificate — the external CA's certificate for this CA's CSR, with every
 * external intermediate and the root. The chain is verified here (RFC 5280; no key is involved):
 * a bundle that does not verify is a 400 naming the broken link, and the CA stays as it was.
 */
export const handler = projectRoute({ params: { id: 'ca' }, body: UploadCaCertificateBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId } = credentials;
  enforce('ca:cas:update', credentials, { project_id: projectId });
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  if (!ca.external || ca.status !== 'awaiting_certificate' || !ca.csrPem) {
    throw conflict('CA_NOT_AWAITING_CERTIFICATE', `CA ${ca.id} is ${ca.status}; a certificate can be uploaded only for an external CA waiting for one.`);
  }
  const v = verifyUploadedChain({ certificatePem: body.certificate, bundlePem: body.chain, expectedSpkiDer: parseCsr(ca.csrPem).spkiDer, now: new Date(Date.now() + CLOCK_SKEW_MS) });
  const pathLen = v.pathLenConstraint === undefined ? ca.pathLen : Math.min(v.pathLenConstraint, ca.pathLen ?? Infinity);
  const x = new X509Certificate(v.certificatePem);
  let updated;
  try {
    updated = await cas.update(
      projectId,
      ca.id,
      {
        status: 'active',
        certificatePem: v.certificatePem,
        chainPem: v.chainPem,
        serial: x.serialNumber.toLowerCase(),
        notBefore: v.notBefore.toISOString(),
        // Nothing this CA signs verifies beyond the earliest expiry on its path.
        notAfter: new Date(Math.min(v.notAfter.getTime(), v.pathNotAfter.getTime())).toISOString(),
        subjectDerBase64: v.subjectDer.toString('base64'),
        ...(v.subjectKeyId ? { subjectKeyId: v.subjectKeyId.toString('hex') } : {}),
        ...(pathLen !== undefined ? { pathLen } : {}),
        constraintChain: v.nameConstraints,
      },
      ['awaiting_certificate'],
    );
  } catch (e) {
    if (e instanceof StaleRecordError) throw conflict('CA_BUSY', `CA ${ca.id} changed meanwhile; look at it again.`);
    throw e;
  }
  // Its first CRL is signed by the worker (the API has no key). The CA is active either way: if the
  // queue is down now, the first revocation publishes the CRL instead, so this is not the caller's error.
  await submitJob(newJob('crl.publish', projectId, credentials.userId, { caId: ca.id }), async () => undefined).catch((e) =>
    log.warn('first CRL not queued', { caId: ca.id, ...errorFields(e) }),
  );
  return { status: 200, audit: { action: 'ca.certificate.uploaded', object: { type: 'ca', id: ca.id } }, body: { ca: caView(updated, baseUrl) } };
});
