import { certificates, StaleRecordError, type CertificateRecord } from '../store/index.js';
import type { ReasonCode } from '../x509/index.js';
import { newJob, submitJob } from './submit.js';

/**
 * A revocation as any front end asks for it (the API's revoke route, ACME revokeCert): the record
 * says revoked and the worker's job, which names the certificate (so it reads no other), re-signs the CRL and the OCSP
 * answer (no front end signs). If
 * the queue is down the revocation is undone: no revoked certificate may miss its CRL. `revokedNow`
 * is false when it was revoked already (then nothing is queued).
 */
export async function requestRevocation(cert: CertificateRecord, reason: ReasonCode | undefined, userId: string): Promise<{ cert: CertificateRecord; revokedNow: boolean }> {
  if (cert.status === 'revoked') return { cert, revokedNow: false };
  try {
    const revoked = await certificates.update(cert.projectId, cert.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: reason }, ['issued']);
    const job = newJob('crl.publish', cert.projectId, userId, { caId: revoked.caId, certificateId: cert.id });
    await submitJob(job, async () => {
      await certificates.update(cert.projectId, cert.id, { status: 'issued', revokedAt: undefined, revocationReason: undefined }, ['revoked']);
    });
    return { cert: revoked, revokedNow: true };
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    // Revoked meanwhile by another call: the same answer.
    return { cert: (await certificates.get(cert.projectId, cert.id))!, revokedNow: false };
  }
}
