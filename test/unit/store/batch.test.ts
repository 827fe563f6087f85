import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A table that leaves the first `throttled` items of a request unprocessed (as DynamoDB may), for `throttledRequests` requests. */
const written: Array<Record<string, unknown>> = [];
const requests: number[] = [];
let throttled = 0;
let throttledRequests = Infinity;
vi.mock('../../../lib/store/client.js', () => ({
  tableName: () => 't',
  documentClient: () => ({
    send: async (command: unknown) => {
      if (!(command instanceof BatchWriteCommand)) throw new Error('unexpected command');
      const puts = command.input.RequestItems!.t!;
      requests.push(puts.length);
      const n = requests.length <= throttledRequests ? throttled : 0;
      const left = puts.slice(0, n);
      written.push(...puts.slice(n).map((p) => p.PutRequest!.Item!));
      return { UnprocessedItems: left.length ? { t: left } : {} };
    },
  }),
}));

const { batchPut, BatchWriteIncompleteError } = await import('../../../lib/store/batch.js');
const noWait = async () => undefined;
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: 'P#a', sk: `EVT#${i}` }));

describe('batchPut', () => {
  beforeEach(() => {
    written.length = requests.length = 0;
    throttled = 0;
    throttledRequests = Infinity;
  });

  it('writes up to 25 items a request', async () => {
    await batchPut(items(30), noWait);
    expect(requests).toEqual([25, 5]);
    expect(written).toHaveLength(30);
  });

  it('sends again what DynamoDB left unprocessed, until it is written', async () => {
    throttled = 1;
    throttledRequests = 2;
    const waits: number[] = [];
    await batchPut(items(3), async (t) => void waits.push(t));
    // The first request leaves one item, its retry leaves it again, the third writes it.
    expect(requests).toEqual([3, 1, 1]);
    expect(waits).toEqual([1, 2]);
    expect(written.map((i) => i.sk).sort()).toEqual(['EVT#0', 'EVT#1', 'EVT#2']);
  });

  it('gives up with a typed error, counting what was not written (the chunks after it too)', async () => {
    throttled = 25;
    const e = await batchPut(items(30), noWait).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatchWriteIncompleteError);
    expect(e).toMatchObject({ code: 'BATCH_WRITE_INCOMPLETE', unprocessed: 30 });
  });
});
