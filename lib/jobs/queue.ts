import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { JobMessage } from './schema.js';
import { SDK_HTTP_TIMEOUTS } from '../store/client.js';

/** Locally the SDK's AWS_ENDPOINT_URL_SQS points this at the in-process SQS emulator. */
let sqs: SQSClient | undefined;

function jobsQueue(): { client: SQSClient; queueUrl: string } {
  const queueUrl = process.env.JOBS_QUEUE_URL;
  if (!queueUrl) throw new Error('JOBS_QUEUE_URL is not set');
  // Bounded like the store's client (lib/store/client.ts): a stuck socket fails and is retried.
  sqs ??= new SQSClient({ maxAttempts: 2, requestHandler: SDK_HTTP_TIMEOUTS });
  return { client: sqs, queueUrl };
}

export async function sendJob(message: JobMessage): Promise<void> {
  const { client, queueUrl } = jobsQueue();
  await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
}

/** The worker's "bring this delivery back in `seconds`" (its role may change visibility on the jobs queue only). */
export async function delayRedelivery(receiptHandle: string, seconds: number): Promise<void> {
  const { client, queueUrl } = jobsQueue();
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
}
