export * from './schema.js';
export { delayRedelivery, sendJob } from './queue.js';
export { BUSY_RETRY_SECONDS, retryDelaySeconds } from './retry.js';
export { submitJob, newJob } from './submit.js';
export { successorOf } from './successor.js';
export { enrollmentJobOf, userCertificateOf } from './userCertificate.js';
export { completeStuckEnrollments, type EnrollmentSweep } from './stuckEnrollments.js';
export { renewDue, RENEWAL_CLAIM_LEASE_MS, type RenewalRun } from './renew.js';
export { requestRevocation } from './revocation.js';
