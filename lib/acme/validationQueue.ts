import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { SDK_HTTP_TIMEOUTS } from '../store/client.js';

/**
 * A validation request on the validator's own queue: which challenge of which authorization. No
 * token, key authorization or key: the validator reads the authorization and the account itself.
 */
export const ValidationMessage = z
  .object({
    v: z.literal(1),
    projectId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    authzId: z.string().uuid(),
    type: z.enum(['http-01', 'dns-01', 'tls-alpn-01']),
  })
  .strict();
export type ValidationMessage = z.infer<typeof ValidationMessage>;

let sqs: SQSClient | undefined;

/** Queues a validation; `delaySeconds` for a retry after a transient failure. */
export async function sendValidation(message: ValidationMessage, delaySeconds = 0): Promise<void> {
  const queueUrl = process.env.VALIDATION_QUEUE_URL;
  if (!queueUrl) throw new Error('VALIDATION_QUEUE_URL is not set');
  sqs ??= new SQSClient({ maxAttempts: 2, requestHandler: SDK_HTTP_TIMEOUTS });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message), ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}) }));
}
