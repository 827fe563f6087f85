import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { driverFor } from '../../lib/drivers/index.js';
import { BUSY_RETRY_SECONDS, delayRedelivery, retryDelaySeconds } from '../../lib/jobs/index.js';
import { keystoresFromEnv } from '../../lib/keystore/index.js';
import { dynamoStore } from '../../lib/store/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import { processJob, type WorkerContext } from '../../lib/worker/index.js';

let ctx: WorkerContext | undefined;
const maxAttempts = () => Number(process.env.JOB_MAX_ATTEMPTS ?? 5);
const retryBase = () => Number(process.env.JOB_RETRY_BASE_SECONDS ?? 10);
const retryMax = () => Number(process.env.JOB_RETRY_MAX_SECONDS ?? 300);

/**
 * SQS trigger. Each record is handled on its own; transient failures are reported as partial
 * batch failures so only those messages come back (and end in the dead-letter queue after the
 * queue's maxReceiveCount, which JOB_MAX_ATTEMPTS mirrors), after a backoff this delivery sets.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  ctx ??= { store: dynamoStore, ...keystoresFromEnv(), driver: await driverFor(), now: () => new Date(), publicUrl: process.env.PUBLIC_URL || undefined };
  const context: WorkerContext = ctx;
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      let delay: number;
      try {
        const outcome = await processJob(record.body, attempt, maxAttempts(), context);
        if (outcome !== 'retry' && outcome !== 'busy') return;
        delay = outcome === 'busy' ? BUSY_RETRY_SECONDS : retryDelaySeconds(attempt, retryBase(), retryMax());
      } catch (e) {
        log.error('job crashed', { messageId: record.messageId, ...errorFields(e) });
        delay = retryDelaySeconds(attempt, retryBase(), retryMax());
      }
      failures.push({ itemIdentifier: record.messageId });
      await comeBackIn(record, delay);
    }),
  );
  return { batchItemFailures: failures };
};

/** Without it the message still comes back, after the queue's visibility timeout. */
async function comeBackIn(record: SQSRecord, seconds: number): Promise<void> {
  try {
    await delayRedelivery(record.receiptHandle, seconds);
  } catch (e) {
    log.warn('could not set the retry delay', { messageId: record.messageId, ...errorFields(e) });
  }
}
