import type { CaRecord, CertificateRecord, EnrollmentRecord } from '../store/index.js';
import { caView } from '../views/index.js';
import type { EnrollmentAnswer, LoginCaAnswer, UserCertificateAnswer } from '../openapi/enrollAnswers.js';

/**
 * Enrollments as the API shows them. Their status is derived: a one-time password past its expiry
 * is `expired`, and once a certificate is asked for, the enrollment says what became of it.
 */
export type EnrollmentState = 'pending' | 'awaiting_approval' | 'expired' | 'locked' | 'issuing' | 'issued' | 'failed' | 'revoked';

export function enrollmentState(e: EnrollmentRecord, cert: CertificateRecord | undefined, now: Date): EnrollmentState {
  if (e.status === 'locked') return 'locked';
  if (e.status === 'pending' || e.status === 'awaiting_approval') return Date.parse(e.expiresAt) <= now.getTime() ? 'expired' : e.status;
  if (!cert || cert.status === 'pending') return 'issuing';
  return cert.status;
}

export function enrollmentView(e: EnrollmentRecord, cert: CertificateRecord | undefined, ca: CaRecord | undefined, baseUrl: string, now: Date): EnrollmentAnswer {
  const issued = cert?.certificatePem && (cert.status === 'issued' || cert.status === 'revoked');
  return {
    id: e.id,
    login_ca_id: e.caId,
    kind: e.kind,
    status: enrollmentState(e, cert, now),
    user: { id: e.user.id, name: e.user.name },
    expires_at: e.expiresAt,
    failed_attempts: e.failedAttempts,
    csr_sha256: e.csrSha256 ?? null,
    certificate_id: e.certificateId ?? null,
    certificate: issued ? cert.certificatePem! : null,
    chain: issued && ca?.certificatePem ? ca.certificatePem : null,
    serial: issued ? cert.serial ?? null : null,
    not_after: issued ? cert.notAfter ?? null : null,
    failure_reason: cert?.failureReason ?? null,
    renews: e.renews ?? null,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    links: [
      { rel: 'self', href: `${baseUrl}/v1/enrollments/${e.id}` },
      { rel: 'redeem', href: `${baseUrl}/v1/enrollments/${e.id}/redeem` },
      ...(e.kind === 'machine' ? [{ rel: 'approve', href: `${baseUrl}/v1/enrollments/${e.id}/approve` }] : []),
    ],
  };
}

export function loginCaView(ca: CaRecord, baseUrl: string): LoginCaAnswer {
  const { links: _links, parent_ca_id: _p, external: _e, path_len: _l, name_constraints: _n, ...rest } = caView(ca, baseUrl);
  return {
    ...rest,
    user_certificates: { default_ttl: ca.userCertificates?.defaultTtl ?? null, max_ttl: ca.userCertificates?.maxTtl ?? null },
    links: [
      { rel: 'self', href: `${baseUrl}/v1/login-cas/${ca.id}` },
      { rel: 'keystone', href: `${baseUrl}/v1/login-cas/${ca.id}/keystone` },
      { rel: 'enrollments', href: `${baseUrl}/v1/login-cas/${ca.id}/enrollments` },
      { rel: 'certificates', href: `${baseUrl}/v1/login-cas/${ca.id}/certificates` },
      { rel: 'ocsp', href: `${baseUrl}/v1/public/system/cas/${ca.id}/ocsp` },
      { rel: 'crl', href: `${baseUrl}/v1/public/system/cas/${ca.id}/crl` },
    ],
  };
}

/** A user certificate in an admin's list of a user's machines. */
export function userCertificateView(cert: CertificateRecord): UserCertificateAnswer {
  return {
    id: cert.id,
    login_ca_id: cert.caId,
    status: cert.status,
    user: cert.keystoneUser ? { id: cert.keystoneUser.id, name: cert.keystoneUser.name } : null,
    enrollment_id: cert.enrollmentId ?? null,
    serial: cert.serial ?? null,
    not_before: cert.notBefore ?? null,
    not_after: cert.notAfter ?? null,
    certificate: cert.certificatePem ?? null,
    revoked_at: cert.revokedAt ?? null,
    revocation_reason: cert.revocationReason ?? null,
    renewed_from: cert.renewedFrom ?? null,
    created_at: cert.createdAt,
  };
}
