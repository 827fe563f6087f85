import type { KeystoneUser } from './types.js';

/**
 * An enrollment of a Keystone user certificate (project `system`, the login CAs' own). Made by an
 * admin or the user (`otp`), by a machine holding a certificate (`machine`: it waits for that
 * machine's approval), or by a holder renewing (`renewal`). The one-time password is kept only as
 * its SHA-256 and dropped when redeemed.
 */
export type EnrollmentKind = 'otp' | 'machine' | 'renewal';
export type EnrollmentStatus = 'pending' | 'awaiting_approval' | 'issuing' | 'locked';

export interface EnrollmentRecord {
  id: string;
  projectId: string;
  caId: string;
  kind: EnrollmentKind;
  status: EnrollmentStatus;
  user: KeystoneUser;
  /** Who made it: a Keystone user id, or `certificate:<serial>` for a machine or a renewal. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** The one-time password's SHA-256 (base64url), until it is redeemed. */
  otpSha256?: string;
  /** Until when the one-time password may be redeemed. */
  expiresAt: string;
  failedAttempts: number;
  /** The lifetime asked for the certificate (absent: the CA's default). */
  ttlSeconds?: number;
  /** `machine`: the serial of the certificate whose holder must approve. */
  approverSerial?: string;
  csrPem?: string;
  /** base64url SHA-256 of the CSR's DER: what the approver signs. */
  csrSha256?: string;
  redeemedAt?: string;
  approvedAt?: string;
  certificateId?: string;
  jobId?: string;
  /** `renewal`: the certificate it renews. */
  renews?: string;
}
