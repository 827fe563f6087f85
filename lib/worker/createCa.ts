import { X509Certificate } from 'node:crypto';
import { cas, StaleRecordError, type JobRecord } from '../store/index.js';
import { assembleCertificate, buildTbsCertificate, encodeName, newSerial, signatureAlgorithmFor, subjectKeyIdentifier, toPem } from '../x509/index.js';
import { JobRefusedError } from './outcomes.js';
import { discardCaKey, keepCaKey, newCaKey } from './caKey.js';
import type { WorkerContext } from './context.js';
import { log } from '../log/index.js';

/** Allowed clock skew between machines: certificates start this much in the past. */
export const BACKDATE_MS = 60_000;

/** Job `ca.create`: new key into Barbican, self-signed root certificate into the store. */
export async function runCreateCa(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const caId = job.params.caId;
  const ca = await cas.get(job.projectId, caId);
  if (!ca || ca.jobId !== job.id) throw new JobRefusedError(`CA ${caId} of project ${job.projectId} does not belong to job ${job.id}`);
  if (ca.status === 'active') return { type: 'ca', id: ca.id };

  const key = await newCaKey(ca, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName(ca.subject);
  const now = ctx.now().getTime();
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(now + ca.validityDays * 86_400_000);
  const algorithm = signatureAlgorithmFor(ca.keyType);
  const serial = newSerial();
  const tbs = buildTbsCertificate({
    serial,
    signatureAlgorithm: algorithm,
    issuerDer: name,
    subjectDer: name,
    notBefore,
    notAfter,
    spkiDer,
    profile: 'ca',
    subjectKeyType: ca.keyType,
    authorityKeyId: ski,
  });
  const pem = toPem(assembleCertificate(tbs, algorithm, await ctx.driver.sign(tbs, algorithm, key)), 'CERTIFICATE');
  // Our own bytes must verify before anything is kept.
  if (!new X509Certificate(pem).verify(key.publicKey)) throw new Error('self-check failed: the new CA certificate does not verify');

  const keyRef = await keepCaKey(ca, key, ctx);
  try {
    await cas.update(
      job.projectId,
      caId,
      {
        status: 'active',
        keyRef,
        certificatePem: pem,
        serial: serial.toString('hex'),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        subjectKeyId: ski.toString('hex'),
      },
      ['pending'],
    );
  } catch (e) {
    // Another delivery of this job won the race, or the write failed: the key we stored is nobody's.
    await discardCaKey(keyRef, key, ctx).catch((err) => log.warn('orphan CA key not removed', { keyRef, error: (err as Error).message }));
    if (e instanceof StaleRecordError) return { type: 'ca', id: caId };
    throw e;
  }
  return { type: 'ca', id: caId };
}
