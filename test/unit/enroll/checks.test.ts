import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../support/refusal.js';
import { checkApproval, checkHolder, failedAttemptFields, MAX_FAILED_ATTEMPTS, newOneTimePassword, redemptionRefusal, type VerifiedCertificateJws } from '../../../lib/enroll/index.js';
import type { CertificateRecord, EnrollmentRecord, OcspRecord } from '../../../lib/store/index.js';

/** The refusals of redemption, approval and a certificate holder's request, on records as the store keeps them. */
const now = new Date('2026-12-01T12:00:00Z');
const user = { id: 'alice-id', name: 'alice' };
const otp = newOneTimePassword();
const enrollment = (fields: Partial<EnrollmentRecord> = {}): EnrollmentRecord => ({
  id: 'e-1',
  projectId: 'system',
  caId: 'ca-1',
  kind: 'otp',
  status: 'pending',
  user,
  createdBy: 'admin',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  otpSha256: otp.sha256,
  expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
  failedAttempts: 0,
  ...fields,
});
const code = refusalOf;

describe('redeeming a one-time password', () => {
  it('opens a pending, unexpired enrollment with its own password', () => {
    expect(redemptionRefusal(enrollment(), otp.password, now)).toBeUndefined();
  });

  it('refuses a wrong, reused, expired or locked password, and an unknown enrollment', () => {
    expect(redemptionRefusal(enrollment(), newOneTimePassword().password, now)).toBe('wrong');
    // Redeemed: the hash is gone, so even the right password is refused as used.
    expect(redemptionRefusal(enrollment({ status: 'issuing', otpSha256: undefined }), otp.password, now)).toBe('used');
    expect(redemptionRefusal(enrollment({ status: 'awaiting_approval', otpSha256: undefined }), otp.password, now)).toBe('used');
    expect(redemptionRefusal(enrollment({ expiresAt: now.toISOString() }), otp.password, now)).toBe('expired');
    expect(redemptionRefusal(enrollment({ status: 'locked', otpSha256: undefined }), otp.password, now)).toBe('locked');
    expect(redemptionRefusal(undefined, otp.password, now)).toBe('unknown');
  });

  it('counts failures, and the fifth locks the enrollment and drops the hash', () => {
    expect(MAX_FAILED_ATTEMPTS).toBe(5);
    expect(failedAttemptFields({ failedAttempts: 0 })).toEqual({ failedAttempts: 1 });
    expect(failedAttemptFields({ failedAttempts: 3 })).toEqual({ failedAttempts: 4 });
    const fifth = failedAttemptFields({ failedAttempts: 4 });
    expect(fifth).toEqual({ failedAttempts: 5, status: 'locked', otpSha256: undefined });
    expect('otpSha256' in fifth).toBe(true);
  });
});

const verified = (fields: Partial<VerifiedCertificateJws> = {}, claims: Record<string, unknown> = {}): VerifiedCertificateJws => ({
  serial: '0a1b',
  userId: 'alice-id',
  userName: 'alice',
  notAfter: new Date(now.getTime() + 3600_000),
  claims: { enrollment_id: 'e-1', csr_sha256: 'hash-1', ...claims },
  ...fields,
});
const holderCert = (fields: Partial<CertificateRecord> = {}): CertificateRecord => ({
  id: 'c-1',
  projectId: 'system',
  createdBy: 'admin',
  createdAt: '',
  updatedAt: '',
  caId: 'ca-1',
  jobId: 'j',
  status: 'issued',
  sans: [],
  ttlSeconds: 3600,
  serial: '0a1b',
  keystoneUser: user,
  ...fields,
});

describe('a certificate holder', () => {
  it('is the issued certificate of that serial, CA and user', () => {
    expect(checkHolder(verified(), 'ca-1', holderCert(), undefined).id).toBe('c-1');
  });

  it('is refused when revoked (record or OCSP answer), of another CA or user, unknown, or not issued', () => {
    expect(code(() => checkHolder(verified(), 'ca-1', holderCert({ status: 'revoked' }), undefined))).toBe('401 JWS_CERTIFICATE_REVOKED');
    expect(code(() => checkHolder(verified(), 'ca-1', holderCert(), { status: 'revoked' } as OcspRecord))).toBe('401 JWS_CERTIFICATE_REVOKED');
    expect(code(() => checkHolder(verified(), 'ca-2', holderCert(), undefined))).toBe('401 JWS_CERTIFICATE_UNTRUSTED');
    expect(code(() => checkHolder(verified({ userId: 'bob-id' }), 'ca-1', holderCert(), undefined))).toBe('401 JWS_CERTIFICATE_UNTRUSTED');
    expect(code(() => checkHolder(verified({ serial: 'ff' }), 'ca-1', holderCert(), undefined))).toBe('401 JWS_CERTIFICATE_UNTRUSTED');
    expect(code(() => checkHolder(verified(), 'ca-1', undefined, undefined))).toBe('401 JWS_CERTIFICATE_UNTRUSTED');
    expect(code(() => checkHolder(verified(), 'ca-1', holderCert({ status: 'failed' }), undefined))).toBe('401 JWS_CERTIFICATE_UNTRUSTED');
  });
});

describe('approving a machine enrollment', () => {
  const waiting = () => enrollment({ kind: 'machine', status: 'awaiting_approval', otpSha256: undefined, csrSha256: 'hash-1' });

  it('approves the pending CSR of the same user', () => {
    expect(code(() => checkApproval(waiting(), verified(), now))).toBe('accepted');
  });

  it('refuses another user, another CSR hash, another enrollment, a late approval, and one not waiting', () => {
    expect(code(() => checkApproval(waiting(), verified({ userId: 'bob-id' }), now))).toBe('403 ENROLLMENT_WRONG_USER');
    // Another machine of the same user is not the one that asked for the password.
    expect(code(() => checkApproval({ ...waiting(), approverSerial: '0a1b' }, verified(), now))).toBe('accepted');
    expect(code(() => checkApproval({ ...waiting(), approverSerial: '0c0d' }, verified(), now))).toBe('403 ENROLLMENT_WRONG_APPROVER');
    expect(code(() => checkApproval(waiting(), verified({}, { csr_sha256: 'hash-2' }), now))).toBe('403 CSR_MISMATCH');
    expect(code(() => checkApproval(waiting(), verified({}, { csr_sha256: undefined }), now))).toBe('403 CSR_MISMATCH');
    expect(code(() => checkApproval(waiting(), verified({}, { enrollment_id: 'e-2' }), now))).toBe('401 JWS_CLAIMS_INVALID');
    expect(code(() => checkApproval({ ...waiting(), expiresAt: now.toISOString() }, verified(), now))).toBe('409 ENROLLMENT_NOT_AWAITING_APPROVAL');
    expect(code(() => checkApproval({ ...waiting(), status: 'issuing' }, verified(), now))).toBe('409 ENROLLMENT_NOT_AWAITING_APPROVAL');
  });
});
