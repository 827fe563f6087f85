export * from './schema.js';
export { delayRedelivery, sendJob } from './queue.js';
export { BUSY_RETRY_SECONDS, retryDelaySeconds } from './retry.js';
export { submitJob, newJob } from './submit.js';
export { successorOf } from './successor.js';
export { requestRevocation } from './revocation.js';
