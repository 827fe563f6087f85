import { AppError, conflict, forbidden, unauthorized } from '../errors/index.js';
import type { CertificateRecord, EnrollmentRecord, OcspRecord } from '../store/index.js';
import { normaliseSerialHex } from '../x509/index.js';
import { claimString, type VerifiedCertificateJws } from './certificateJws.js';
import { otpMatches } from './otp.js';

/**
 * The refusals of each enrollment step, pure (the front end reads the records and writes the
 * outcome): what a redemption, an approval and a request signed by a certificate holder must meet.
 */

/** After this many wrong one-time passwords the enrollment is locked for good. */
export const MAX_FAILED_ATTEMPTS = 5;

/** The one answer to every refused redemption, so that a guesser learns nothing about the enrollment. */
export const enrollmentDenied = () =>
  unauthorized('ENROLLMENT_DENIED', 'That one-time password does not open this enrollment (wrong, used, expired, or locked after 5 wrong tries); ask for a new enrollment.');

export type RedemptionRefusal = 'unknown' | 'wrong' | 'used' | 'expired' | 'locked';

/** Why a redemption is refused, or undefined: the password is compared first, in constant time, whatever the state. */
export function redemptionRefusal(e: EnrollmentRecord | undefined, password: string, now: Date): RedemptionRefusal | undefined {
  const matches = otpMatches(e?.otpSha256, password);
  if (!e) return 'unknown';
  if (e.status === 'locked') return 'locked';
  if (!matches) return e.status === 'pending' ? 'wrong' : 'used';
  if (e.status !== 'pending') return 'used';
  if (Date.parse(e.expiresAt) <= now.getTime()) return 'expired';
  return undefined;
}

/** What a wrong password writes: one more failure, and the fifth locks the enrollment and drops its hash. */
export function failedAttemptFields(e: Pick<EnrollmentRecord, 'failedAttempts'>): Partial<EnrollmentRecord> {
  const failures = e.failedAttempts + 1;
  return { failedAttempts: failures, ...(failures >= MAX_FAILED_ATTEMPTS ? { status: 'locked', otpSha256: undefined } : {}) };
}

/**
 * The holder of a certificate: the one this login CA issued under that serial to that user, still
 * issued (not revoked, as its record and its OCSP answer say).
 */
export function checkHolder(verified: VerifiedCertificateJws, caId: string, cert: CertificateRecord | undefined, ocsp: OcspRecord | undefined): CertificateRecord {
  // The CA signed this serial (the JWS check proved it) and its OCSP answer says revoked: nothing else matters.
  if (ocsp?.status === 'revoked') throw unauthorized('JWS_CERTIFICATE_REVOKED', `The certificate with serial ${verified.serial} is revoked; enroll again with a one-time password.`);
  if (!cert || cert.caId !== caId || !cert.serial || normaliseSerialHex(cert.serial) !== verified.serial || cert.keystoneUser?.id !== verified.userId) {
    throw unauthorized('JWS_CERTIFICATE_UNTRUSTED', 'The certificate in "x5c" is not one this login CA issued to that user.');
  }
  if (cert.status === 'revoked') throw unauthorized('JWS_CERTIFICATE_REVOKED', `Certificate ${cert.id} is revoked; enroll again with a one-time password.`);
  if (cert.status !== 'issued') throw unauthorized('JWS_CERTIFICATE_UNTRUSTED', `Certificate ${cert.id} is ${cert.status}.`);
  return cert;
}

/** The approver signs the hash of the CSR it saw; any other CSR is refused. */
export function checkCsrHash(expected: string | undefined, given: unknown): void {
  if (typeof given !== 'string' || !expected || given !== expected) {
    throw new AppError('CSR_MISMATCH', 403, 'The JWS "csr_sha256" is not the SHA-256 of the pending CSR; compare the fingerprint the new machine shows and sign that one.');
  }
}

/** The enrollment waits for an approval, within its window. */
export function checkAwaitingApproval(e: EnrollmentRecord, now: Date): void {
  if (e.status !== 'awaiting_approval' || Date.parse(e.expiresAt) <= now.getTime()) {
    throw conflict('ENROLLMENT_NOT_AWAITING_APPROVAL', `Enrollment ${e.id} is not waiting for an approval (it is ${e.status}${e.status === 'awaiting_approval' ? ', but its approval window has passed' : ''}).`);
  }
}

/** The enrollment waits for an approval, and this JWS approves it: same user, this enrollment, this CSR. */
export function checkApproval(e: EnrollmentRecord, verified: VerifiedCertificateJws, now: Date): void {
  checkAwaitingApproval(e, now);
  if (verified.userId !== e.user.id) {
    throw forbidden('ENROLLMENT_WRONG_USER', `Enrollment ${e.id} is for another user than the certificate that signed the approval; only the user's own machines approve.`);
  }
  // The machine that asked for the one-time password approves what was redeemed with it.
  if (e.approverSerial && verified.serial !== e.approverSerial) {
    throw forbidden('ENROLLMENT_WRONG_APPROVER', `Enrollment ${e.id} is approved by the machine that asked for it (certificate serial ${e.approverSerial}), not by another.`);
  }
  if (claimString(verified, 'enrollment_id') !== e.id) throw new AppError('JWS_CLAIMS_INVALID', 401, `The JWS "enrollment_id" must be ${e.id}.`);
  checkCsrHash(e.csrSha256, verified.claims.csr_sha256);
}
