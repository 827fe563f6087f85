export * from './schema.js';
export { sendJob } from './queue.js';
export { submitJob, newJob } from './submit.js';
export { successorOf } from './successor.js';
export { requestRevocation } from './revocation.js';
