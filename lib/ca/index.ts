/** The CA (Boulder's `ca`): signs exactly what was decided, through the configured driver; decides nothing. */
export { issue, tbsFor } from './issue.js';
export { prelint } from './prelint.js';
export { verifyIssued, IssuedNotDecidedError } from './verifyIssued.js';
export { signCsr } from './csr.js';
export { signCrl, signOcsp, revocationUrls, type CrlPlan } from './revocation.js';
export { leafPlan, caPlan } from './plan.js';
export type { CertificatePlan, Issuer, Issued } from './types.js';
export { chainPemsOf, crlNameOf, currentGeneration, generationsOf, liveGenerations, signerOf } from './generations.js';
export { crlNameInCertificate, crlPartitionDays, crlPartitionFor, isPartitionOf, type CrlPartition } from './crlPartitions.js';
