export { processJob, type Outcome } from './processJob.js';
export type { WorkerContext } from './context.js';
export { JobRefusedError } from './outcomes.js';
