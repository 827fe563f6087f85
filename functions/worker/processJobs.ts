import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { driverFor } from '../../lib/drivers/index.js';
import { keystoresFromEnv } from '../../lib/keystore/index.js';
import { dynamoStore } from '../../lib/store/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import { processJob, type WorkerContext } from '../../lib/worker/index.js';

let ctx: WorkerContext | undefined;
const maxAttempts = () => Number(process.env.JOB_MAX_ATTEMPTS ?? 5);

/**
 * SQS trigger. Each record is handled on its own; transient failures are reported as partial
 * batch failures so only those messages come back (and end in the dead-letter queue after the
 * queue's maxReceiveCount, which JOB_MAX_ATTEMPTS mirrors).
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  ctx ??= { store: dynamoStore, ...keystoresFromEnv(), driver: await driverFor(), now: () => new Date(), publicUrl: process.env.PUBLIC_URL || undefined };
  const context: WorkerContext = ctx;
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      const attempt = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      try {
        const outcome = await processJob(record.body, attempt, maxAttempts(), context);
        if (outcome === 'retry') failures.push({ itemIdentifier: record.messageId });
      } catch (e) {
        log.error('job crashed', { messageId: record.messageId, ...errorFields(e) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
};
