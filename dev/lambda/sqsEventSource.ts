/**
 * The local twin of Lambda's SQS event source mapping, which serverless-offline-sqs was not: it
 * deleted every message after the handler ran, so partial batch failures, the visibility timeout
 * and the dead-letter queue never worked locally. This one does what AWS documents:
 * - receives up to `batchSize` messages and invokes the function with them (one SQS event);
 * - on success deletes every message except those named in `batchItemFailures` (with
 *   ReportBatchItemFailures), and treats an answer naming a message not in the batch as a failure
 *   of the whole batch;
 * - on a function error, a timeout or a crash deletes nothing: the messages come back after their
 *   visibility timeout, and the queue's redrive policy moves them to the dead-letter queue after
 *   maxReceiveCount receives (local-aws-sqs implements both).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { FunctionPool, InvocationError } from './functionPool.js';

export interface QueueTrigger {
  functionKey: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
}

/** Fault injection for the soak: extra deliveries of a message (as SQS's at-least-once may give). */
export interface DeliveryFaults {
  /** Each received message is sent again this many times (0 by default), with a random delay. */
  extraCopies?: () => number;
}

export interface SourceStats {
  batches: number;
  received: number;
  deleted: number;
  returned: number;
  copies: number;
}

export function sqsEvent(messages: Message[], arn: string, region: string) {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: m.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, binaryValue: v.BinaryValue, dataType: v.DataType, stringListValues: [], binaryListValues: [] }]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: region,
    })),
  };
}

/**
 * The messages to delete after an invocation: all of them, minus the reported failures; none when
 * the answer is not a valid partial-batch response (AWS then retries the whole batch).
 */
export function messagesToDelete(messages: Message[], result: unknown, reportBatchItemFailures: boolean): Message[] {
  if (!reportBatchItemFailures) return messages;
  if (result === null || result === undefined || typeof result !== 'object') return messages;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return messages;
  if (!Array.isArray(failures)) return [];
  const ids = new Set(messages.map((m) => m.MessageId));
  const failed = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return [];
    failed.add(id);
  }
  return messages.filter((m) => !failed.has(m.MessageId!));
}

export class SqsEventSource {
  readonly stats: SourceStats = { batches: 0, received: 0, deleted: 0, returned: 0, copies: 0 };
  /** Bodies already copied: a copy is not copied again. */
  private readonly copied = new Set<string>();
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(
    readonly trigger: QueueTrigger,
    readonly pool: FunctionPool,
    private readonly sqs: SQSClient,
    private readonly region: string,
    private readonly faults: DeliveryFaults = {},
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** One poller per execution environment, as Lambda scales its pollers with the function. */
  start(): void {
    for (let i = 0; i < this.pool.spec.concurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.pool.stop();
    await Promise.allSettled(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.once();
      } catch (e) {
        if (this.stopped) return;
        // The emulator restarting or a transient error: wait a little, as a poller backs off.
        this.log(`[sqs ${this.trigger.functionKey}] ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async once(): Promise<void> {
    const { Messages: messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.trigger.queueUrl, MaxNumberOfMessages: Math.min(10, this.trigger.batchSize), WaitTimeSeconds: 2, AttributeNames: ['All'], MessageAttributeNames: ['All'] }),
      { abortSignal: this.abort.signal },
    );
    if (messages.length === 0) return;
    this.stats.batches++;
    this.stats.received += messages.length;
    await this.duplicate(messages);
    let remove: Message[] = [];
    try {
      remove = messagesToDelete(messages, await this.pool.invoke(sqsEvent(messages, this.trigger.queueArn, this.region)), this.trigger.reportBatchItemFailures);
    } catch (e) {
      if (!(e instanceof InvocationError)) throw e;
      if (!this.stopped) this.log(`[sqs ${this.trigger.functionKey}] ${e.reason}: ${e.message}; ${messages.length} message(s) come back after their visibility timeout`);
    }
    this.stats.returned += messages.length - remove.length;
    if (remove.length === 0) return;
    const res = await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.trigger.queueUrl, Entries: remove.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    this.stats.deleted += res.Successful?.length ?? 0;
  }

  private async duplicate(messages: Message[]): Promise<void> {
    const copies = this.faults.extraCopies;
    if (!copies) return;
    for (const m of messages) {
      if (this.copied.has(m.Body ?? '')) continue;
      this.copied.add(m.Body ?? '');
      for (let n = copies(); n > 0; n--) {
        this.stats.copies++;
        await this.sqs.send(new SendMessageCommand({ QueueUrl: this.trigger.queueUrl, MessageBody: m.Body ?? '', DelaySeconds: Math.floor(Math.random() * 4) }));
      }
    }
  }
}
