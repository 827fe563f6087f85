import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { recordEvent } from '../../lib/events/index.js';
import { errorFields, log } from '../../lib/log/index.js';
import { deliverWebhook, openSecret, toEventBridge } from '../../lib/notify/index.js';
import { webhooks, type EventRecord } from '../../lib/store/index.js';

/**
 * SQS-triggered: delivers each notifiable event to its project's webhook, signed with the
 * project's secret (the only function that can open it). A few quick retries here; a delivery
 * that still fails retryably goes back to the queue (its visibility timeout is the backoff) and,
 * after the queue's maxReceiveCount, to its dead-letter queue. It holds no CA key and no Keystone
 * credential: it only reads webhooks and speaks HTTPS to tenants' URLs.
 */
let privateKey: Promise<string> | undefined;

async function loadPrivateKey(): Promise<string> {
  if (process.env.NOTIFY_PRIVATE_KEY) return process.env.NOTIFY_PRIVATE_KEY;
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.NOTIFY_KEY_SECRET_ID }));
  return out.SecretString ?? '';
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      if (!(await deliverOne(JSON.parse(record.body) as { v: 1; event: EventRecord }))) failures.push({ itemIdentifier: record.messageId });
    } catch (e) {
      log.error('notification crashed', { messageId: record.messageId, ...errorFields(e) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
};

/** True when done (delivered, or nothing to deliver, or refused for good); false to try again later. */
async function deliverOne({ event }: { event: EventRecord }): Promise<boolean> {
  const hook = await webhooks.get(event.projectId);
  if (!hook || (hook.events && !hook.events.includes(event.action))) return true;
  privateKey ??= loadPrivateKey();
  const secret = await openSecret(hook.sealedSecret, await privateKey);
  const result = await deliverWebhook({ url: hook.url, secret }, toEventBridge(event, { region: process.env.OS_REGION_NAME }), {
    maxAttempts: 3,
    maxRetryAfterMs: 10_000,
    allowLocalhost: process.env.WEBHOOK_ALLOW_LOCALHOST === '1',
  });
  if (result.delivered) return true;
  const why = `${result.lastError ?? 'error'}${result.lastStatus ? ` (HTTP ${result.lastStatus})` : ''} after ${result.attempts} attempts`;
  await recordEvent({ projectId: event.projectId, action: 'webhook.failed', outcome: 'failure', object: { type: 'event', id: event.id }, reason: why });
  return !result.retryable;
}
