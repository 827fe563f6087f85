import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';

/** BatchWriteItem takes at most 25 items a request. */
const BATCH_ITEMS = 25;
/** Tries of what DynamoDB left unprocessed (throttling): the SDK retries errors, not these. */
const UNPROCESSED_TRIES = 4;

/** Some items of a batch were still unprocessed after every try (a store error, as StaleRecordError: no tenant sees it). */
export class BatchWriteIncompleteError extends Error {
  readonly code = 'BATCH_WRITE_INCOMPLETE';
  constructor(readonly unprocessed: number) {
    super(`${unprocessed} item(s) of a batch write were not written`);
  }
}

const backoff = (tryNumber: number): Promise<void> => new Promise((r) => setTimeout(r, 20 * 2 ** tryNumber));

/**
 * Puts whole items in as few requests as BatchWriteItem allows (unconditional: only for items no
 * one else writes under the same key, such as events with their random time-ordered ids). The
 * worker's alone: the API's roles have no BatchWriteItem (checkApiWrite refuses it locally).
 */
export async function batchPut(items: Array<Record<string, unknown>>, wait: (tryNumber: number) => Promise<void> = backoff): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH_ITEMS) {
    let requests = items.slice(i, i + BATCH_ITEMS).map((Item) => ({ PutRequest: { Item } }));
    for (let t = 0; requests.length; t++) {
      // What this chunk left, and the chunks after it (not sent).
      if (t === UNPROCESSED_TRIES) throw new BatchWriteIncompleteError(requests.length + Math.max(0, items.length - i - BATCH_ITEMS));
      if (t > 0) await wait(t);
      const out = await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }));
      requests = (out.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
}
