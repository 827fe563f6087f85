import { AppError, conflict, notFound } from '../../lib/errors/index.js';
import { recordEvent } from '../../lib/events/index.js';
import { checkHolder, csrSha256, newOneTimePassword, verifyCertificateJws, type CertificateJwsPurpose, type VerifiedCertificateJws } from '../../lib/enroll/index.js';
import { SYSTEM_PROJECT } from '../../lib/http/index.js';
import { enrollmentJobOf, submitJob, userCertificateOf } from '../../lib/jobs/index.js';
import { decideIssuance, userCertificateRequestOf, type IssuanceDecision } from '../../lib/ra/index.js';
import { cas, certificates, enrollments, ocspResponses, redeemJti, type CaRecord, type CertificateRecord, type EnrollmentRecord, type JobRecord } from '../../lib/store/index.js';

/**
 * What every enrollment step shares: the login CA, the RA's decision on a user certificate, the
 * certificate request and its job, and the checks of a request signed with a user certificate's key.
 */

/** A login CA, or 404 (a tenant CA id never answers here: it is not in the system project). */
export async function loginCa(caId: string): Promise<CaRecord> {
  const ca = await cas.get(SYSTEM_PROJECT, caId);
  if (!ca || ca.kind !== 'login') throw notFound('LOGIN_CA_NOT_FOUND', `No login CA ${caId}.`);
  return ca;
}

/** The RA's decision for this user and CSR, before anything is written (a bad CSR consumes nothing). */
export function decideUserCertificate(ca: CaRecord, user: EnrollmentRecord['user'], csrPem: string, ttlSeconds: number | undefined): IssuanceDecision {
  return decideIssuance(ca, userCertificateRequestOf(user, csrPem, ttlSeconds), new Date());
}

/** A new `pending` enrollment with a fresh one-time password (the record keeps only its hash), written; the password is shown once. */
export async function createOtpEnrollment(
  ca: CaRecord,
  fields: Pick<EnrollmentRecord, 'kind' | 'user' | 'createdBy'> & Partial<Pick<EnrollmentRecord, 'ttlSeconds' | 'approverSerial'>>,
  expiresInSeconds: number,
): Promise<{ e: EnrollmentRecord; password: string; now: Date }> {
  const now = new Date();
  const otp = newOneTimePassword();
  const e: EnrollmentRecord = {
    id: crypto.randomUUID(),
    projectId: SYSTEM_PROJECT,
    caId: ca.id,
    status: 'pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    otpSha256: otp.sha256,
    expiresAt: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
    failedAttempts: 0,
    ...fields,
  };
  await enrollments.create(e);
  return { e, password: otp.password, now };
}

/** Ids of the certificate and job an enrollment is about to ask for: written into the enrollment first. */
export const newIssueIds = () => ({ certificateId: crypto.randomUUID(), jobId: crypto.randomUUID() });

/**
 * Records the certificate request of an enrollment that has just moved to `issuing`, and queues its
 * job. If this function stops before, the scheduler finishes it (lib/jobs stuckEnrollments).
 */
export async function requestUserCertificate(e: EnrollmentRecord, decision: IssuanceDecision): Promise<{ cert: CertificateRecord; job: JobRecord }> {
  const job = enrollmentJobOf(e);
  const cert = userCertificateOf(e, decision, job);
  await certificates.create(cert);
  await submitJob(job, async (reason) => {
    await certificates.update(SYSTEM_PROJECT, cert.id, { status: 'failed', failureReason: reason });
  });
  return { cert, job };
}

/** An enrollment with the certificate it asked for, if any. */
export async function enrollmentWithCertificate(id: string): Promise<{ e: EnrollmentRecord; cert?: CertificateRecord; ca?: CaRecord } | undefined> {
  const e = await enrollments.get(SYSTEM_PROJECT, id);
  if (!e) return undefined;
  const [cert, ca] = await Promise.all([e.certificateId ? certificates.get(SYSTEM_PROJECT, e.certificateId) : undefined, cas.get(SYSTEM_PROJECT, e.caId)]);
  return { e, cert, ca };
}

export interface Holder {
  verified: VerifiedCertificateJws;
  /** The holder's certificate as this service issued it. */
  cert: CertificateRecord;
}

/**
 * A request signed with the key of a user certificate of this login CA that is issued, not
 * revoked, and is the record's own (same serial, same user); its `jti` is used up here.
 */
export async function certificateHolder(jws: string, purpose: CertificateJwsPurpose, ca: CaRecord): Promise<Holder> {
  if (ca.status !== 'active' || !ca.certificatePem) throw conflict('CA_NOT_ACTIVE', `Login CA ${ca.id} is ${ca.status}.`);
  const now = new Date();
  const verified = verifyCertificateJws(jws, purpose, [ca.certificatePem!], now);
  const answer = await ocspResponses.get(SYSTEM_PROJECT, ca.id, verified.serial);
  const cert = checkHolder(verified, ca.id, answer?.certificateId ? await certificates.get(SYSTEM_PROJECT, answer.certificateId) : undefined, answer);
  const exp = verified.claims.exp as number;
  if (!(await redeemJti(SYSTEM_PROJECT, ca.id, String(verified.claims.jti), new Date(exp * 1000)))) {
    throw new AppError('JWS_REPLAYED', 401, 'This JWS was used before ("jti"); sign a new one for every request.');
  }
  return { verified, cert };
}

export { checkCsrHash, csrSha256 } from '../../lib/enroll/index.js';

/** An audit event of the system project (enrollments have no project of their own). */
export const audit = (action: string, e: Pick<EnrollmentRecord, 'id'>, who: string, requestId: string, outcome: 'success' | 'refused' = 'success', reason?: string) =>
  recordEvent({ projectId: SYSTEM_PROJECT, action, outcome, userId: who, requestId, object: { type: 'enrollment', id: e.id }, ...(reason ? { reason } : {}) });
