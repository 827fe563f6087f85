/**
 * Enrollment of Keystone user certificates (the Keystone PKI blueprint): one-time passwords,
 * requests signed with a certificate's key, the views and the Keystone federation objects. Pure;
 * the front end (functions/enroll, functions/api/loginCas.ts) does the I/O and the RA decides.
 */
export { newOneTimePassword, otpMatches, otpSha256, canonicalOtp, OTP_BITS } from './otp.js';
export { verifyCertificateJws, claimString, jwsAudience, JWS_TYPES, MAX_JWS_LIFETIME_SECONDS, type CertificateJwsPurpose, type VerifiedCertificateJws } from './certificateJws.js';
export { csrSha256 } from './csr.js';
export { federationObjects, issuerDnOf, identityProviderId, mappingId, USER_MAPPING_RULES, X509_PROTOCOL_ID } from './keystone.js';
export { enrollmentState, enrollmentView, loginCaView, userCertificateView, type EnrollmentState } from './views.js';
export { redemptionRefusal, failedAttemptFields, checkHolder, checkCsrHash, checkApproval, checkAwaitingApproval, enrollmentDenied, MAX_FAILED_ATTEMPTS, type RedemptionRefusal } from './checks.js';
