import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { messagesToDelete, sqsEvent } from '../../../dev/lambda/sqsEventSource.js';

/** The local event source must delete what Lambda's SQS mapping deletes, and nothing more. */
const batch: Message[] = ['a', 'b', 'c'].map((id) => ({ MessageId: id, ReceiptHandle: `r-${id}`, Body: `{"n":"${id}"}`, Attributes: { ApproximateReceiveCount: '2' } }));
const ids = (ms: Message[]) => ms.map((m) => m.MessageId);

describe('messagesToDelete (ReportBatchItemFailures)', () => {
  it('deletes all but the reported failures', () => {
    expect(ids(messagesToDelete(batch, { batchItemFailures: [{ itemIdentifier: 'b' }] }, true))).toEqual(['a', 'c']);
  });
  it('deletes everything for an empty list, a null or an empty answer', () => {
    expect(ids(messagesToDelete(batch, { batchItemFailures: [] }, true))).toEqual(['a', 'b', 'c']);
    expect(ids(messagesToDelete(batch, null, true))).toEqual(['a', 'b', 'c']);
    expect(ids(messagesToDelete(batch, {}, true))).toEqual(['a', 'b', 'c']);
  });
  it('deletes nothing when the answer names a message not in the batch, or no id (AWS fails the whole batch)', () => {
    expect(messagesToDelete(batch, { batchItemFailures: [{ itemIdentifier: 'zzz' }] }, true)).toEqual([]);
    expect(messagesToDelete(batch, { batchItemFailures: [{ itemIdentifier: '' }] }, true)).toEqual([]);
    expect(messagesToDelete(batch, { batchItemFailures: [{}] }, true)).toEqual([]);
    expect(messagesToDelete(batch, { batchItemFailures: 'b' }, true)).toEqual([]);
  });
  it('without ReportBatchItemFailures a successful invocation deletes the whole batch', () => {
    expect(ids(messagesToDelete(batch, { batchItemFailures: [{ itemIdentifier: 'b' }] }, false))).toEqual(['a', 'b', 'c']);
  });
});

describe('sqsEvent', () => {
  it('has the records Lambda gives a handler', () => {
    const e = sqsEvent(batch.slice(0, 1), 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1');
    expect(e.Records[0]).toMatchObject({ messageId: 'a', receiptHandle: 'r-a', body: '{"n":"a"}', attributes: { ApproximateReceiveCount: '2' }, eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q', awsRegion: 'us-east-1' });
  });
});
