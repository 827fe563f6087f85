import { conflict } from '../errors/index.js';
import { csrSha256 } from '../enroll/csr.js';
import type { CaRecord, CertificateRecord, JobRecord, KeystoneUser } from '../store/index.js';
import { decodeName, pemToDer, readCertificate } from '../x509/index.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';

/** The project of the cloud operator's login CAs (lib/http SYSTEM_PROJECT; the worker does not import the HTTP layer). */
const LOGIN_PROJECT = 'system';

/**
 * Before a Keystone user certificate is signed: a login CA lives only in the operator's project,
 * and the certificate is what its enrollment asked for (issuing, this certificate, this user, this
 * CSR). The RA has already refused a user certificate from any other CA, and anything else from a
 * login CA. A renewal, or a machine enrollment, needs the certificate it came from (the renewed
 * one, the approver's) to be one the worker issued to this user (its own certificatePem says so,
 * an attribute the API cannot write) and still unrevoked.
 */
export async function checkUserCertificateRequest(job: JobRecord, ca: CaRecord, cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  if (ca.kind !== 'login' && !cert.keystoneUser && !cert.enrollmentId) return;
  if (ca.kind === 'login' && job.projectId !== LOGIN_PROJECT) throw new JobRefusedError(`CA ${ca.id} says it is a login CA but is in project ${job.projectId}; login CAs are only the operator's`);
  if (!cert.enrollmentId || !cert.keystoneUser) throw new JobRefusedError(`certificate ${cert.id} is a user certificate without an enrollment`);
  const e = await ctx.store.enrollments.get(job.projectId, cert.enrollmentId);
  const fits =
    e &&
    e.status === 'issuing' &&
    e.caId === ca.id &&
    e.certificateId === cert.id &&
    e.jobId === job.id &&
    e.user.id === cert.keystoneUser.id &&
    e.user.name === cert.keystoneUser.name &&
    e.csrSha256 !== undefined &&
    cert.csrPem !== undefined &&
    csrSha256(cert.csrPem) === e.csrSha256;
  if (!fits) throw new JobRefusedError(`certificate ${cert.id} is not what enrollment ${cert.enrollmentId} asked for`);
  if (e.kind === 'renewal') {
    const renewed = e.renews ? await ctx.store.certificates.get(job.projectId, e.renews) : undefined;
    if (!renewed || cert.renewedFrom !== renewed.id) throw new JobRefusedError(`certificate ${cert.id} renews no certificate of this login CA`);
    requireLive(renewed, ca, cert.keystoneUser, 'the certificate it renews');
  }
  if (e.kind === 'machine') {
    const answer = e.approverSerial ? await ctx.store.ocspResponses.get(job.projectId, ca.id, e.approverSerial) : undefined;
    const approver = answer?.status === 'good' && answer.certificateId ? await ctx.store.certificates.get(job.projectId, answer.certificateId) : undefined;
    requireLive(approver, ca, cert.keystoneUser, 'the certificate that approved it');
  }
}

/** Issued by this CA to this user (by its own signed subject), and neither revoked nor on a CRL. */
function requireLive(c: CertificateRecord | undefined, ca: CaRecord, user: KeystoneUser, what: string): void {
  const subject = c?.certificatePem ? decodeName(readCertificate(pemToDer(c.certificatePem, 'CERTIFICATE')).subjectDer) : [];
  const uid = subject.find((a) => a.type === 'UID')?.value;
  if (!c || c.caId !== ca.id || uid !== user.id) throw new JobRefusedError(`${what} is no certificate this login CA issued to user ${user.id}`);
  if (c.status !== 'issued' || c.crlRevokedAt) throw conflict('PREDECESSOR_NOT_VALID', `${what} (${c.id}) is ${c.crlRevokedAt ? 'revoked' : c.status}; enroll again with a one-time password`);
}
