import { randomUUID } from 'node:crypto';
import type { Claim } from '../store/index.js';

/**
 * How long a delivery's claim on a record lasts: twice the worker's timeout. A delivery that
 * crashed after claiming is taken over by the queue's next delivery (which comes after the
 * visibility timeout, six times the worker's timeout); a concurrent duplicate finds the claim held.
 */
export const CLAIM_LEASE_MS = Number(process.env.CLAIM_LEASE_SECONDS ?? 120) * 1000;

export const newClaim = (now: Date): Claim => ({ token: randomUUID(), until: new Date(now.getTime() + CLAIM_LEASE_MS).toISOString() });

/**
 * Runs `work` under a claim already taken. A delivery that fails gives the claim back (what it
 * signed is recorded already, so the next delivery resumes from there); one that crashes keeps it
 * until the lease ends.
 */
export async function underClaim<T>(release: () => Promise<unknown>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
}
