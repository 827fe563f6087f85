/**
 * When a failed delivery comes back. SQS brings a message back after its queue's visibility timeout
 * (360 s here: six times the worker's timeout, so a crashed delivery's claim has expired by then).
 * A delivery that failed but is alive says sooner: exponential in the receive count, with jitter so
 * a burst of failures does not return as a burst, capped below the visibility timeout. The last
 * receives then reach the dead-letter queue in minutes rather than half an hour.
 */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number, maxSeconds: number, random: () => number = Math.random): number {
  const exp = baseSeconds * 2 ** Math.max(0, Math.min(receiveCount - 1, 20));
  const capped = Math.min(maxSeconds, exp);
  // Between half and all of it: never 0, which would make a failing message spin.
  return Math.max(1, Math.round(capped / 2 + (random() * capped) / 2));
}

/** A record held by another live delivery comes back soon: that delivery finishes within its timeout. */
export const BUSY_RETRY_SECONDS = 5;
