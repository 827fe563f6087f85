import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { errorFields, log } from '../log/index.js';
import type { EventRecord } from '../store/index.js';
import { isNotifiableAction } from './envelope.js';
import { SDK_HTTP_TIMEOUTS } from '../store/client.js';

let sqs: SQSClient | undefined;

/**
 * Hands a notifiable event to the notifier's queue (the event itself: public fields only). Never
 * throws: a notification must not fail the work it reports; a lost one is logged for alerting.
 */
export async function enqueueNotification(event: EventRecord): Promise<void> {
  const queueUrl = process.env.NOTIFY_QUEUE_URL;
  if (!queueUrl || !isNotifiableAction(event.action)) return;
  try {
    sqs ??= new SQSClient({ maxAttempts: 2, requestHandler: SDK_HTTP_TIMEOUTS });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ v: 1, event }) }));
  } catch (e) {
    log.error('notification not queued', { action: event.action, project: event.projectId, eventId: event.id, ...errorFields(e) });
  }
}
