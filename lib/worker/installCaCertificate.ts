import { X509Certificate } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { JobRecord } from '../store/index.js';
import { parseCsr, UPLOAD_CLOCK_SKEW_MS, verifyUploadedChain } from '../x509/index.js';
import { caSigningKey, isActive } from './caKey.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';
import { publishCrls } from './revocation.js';


/**
 * Job `ca.install`: an external CA's certificate and chain, uploaded through the API (which
 * verified them to answer at once), verified again here against the CSR the worker made and the
 * key it holds, then installed. Only the worker writes a CA's certificate: what the API stored is
 * input, not trust. The CA's name constraints are the chain's and the admin's, both enforced.
 */
export async function runInstallCaCertificate(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const ca = await ctx.store.cas.get(job.projectId, job.params.caId);
  if (!ca) throw new JobRefusedError(`CA ${job.params.caId} is not in project ${job.projectId}`);
  if (ca.status === 'active' && ca.installJobId === job.id) return { type: 'ca', id: ca.id };
  if (!ca.external || ca.status !== 'awaiting_certificate' || ca.installJobId !== job.id || !ca.upload || !ca.caCsrPem || !ca.keyRef) {
    throw new JobRefusedError(`CA ${ca.id} is not waiting for the certificate job ${job.id} installs`);
  }
  const now = ctx.now();
  const v = verifyUploadedChain({ certificatePem: ca.upload.certificatePem, bundlePem: ca.upload.chainPem, expectedSpkiDer: parseCsr(ca.caCsrPem).spkiDer, now: new Date(now.getTime() + UPLOAD_CLOCK_SKEW_MS) });
  const key = await caSigningKey({ projectId: job.projectId, caId: ca.id, generation: ca.keyGeneration }, ca.keyType, ca.keyRef, ctx);
  const x = new X509Certificate(v.certificatePem);
  if (!key.publicKey.equals(x.publicKey)) throw new AppError('CERTIFICATE_KEY_MISMATCH', 400, `the uploaded certificate does not certify the key of CA ${ca.id}`);
  const pathLen = v.pathLenConstraint === undefined ? ca.pathLen : Math.min(v.pathLenConstraint, ca.pathLen ?? Infinity);
  const installed = await ctx.store.cas.update(
    job.projectId,
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
      // The external chain's constraints, and the admin's own (recorded by the worker with the CSR).
      constraintChain: [...v.nameConstraints, ...(ca.constraintChain ?? [])],
      upload: undefined,
      failureReason: undefined,
    },
    ['awaiting_certificate'],
  );
  // Its first CRL, signed by the key the certificate certifies.
  if (isActive(installed)) await publishCrls(installed, ctx, 'revoked');
  return { type: 'ca', id: ca.id };
}
