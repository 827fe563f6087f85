import { GetCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../client.js';
import { CA_INDEX, fromItem, key, pk, STATUS_INDEX } from '../keys.js';
import type { CertificateRecord, Page } from '../types.js';
import { pointerSortKeys, type PointerKind } from './entries.js';
import { searchCertificates, type IndexReader } from './engine.js';
import type { CertificateFilters, Driver } from './plan.js';

/** Reads in flight at once (GetItem per lookup item, lookup item writes). */
const PARALLEL = 16;

async function inChunks<T, R>(all: T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < all.length; i += PARALLEL) out.push(...(await Promise.all(all.slice(i, i + PARALLEL).map(fn))));
  return out;
}

const INDEXES = {
  table: { name: undefined, pk: 'pk', sk: 'sk' },
  pointer: { name: undefined, pk: 'pk', sk: 'sk' },
  ca: { name: CA_INDEX, pk: 'gsi1pk', sk: 'gsi1sk' },
  status: { name: STATUS_INDEX, pk: 'gsi3pk', sk: 'gsi3sk' },
} as const;

const reader: IndexReader = {
  async read(projectId: string, driver: Driver, after: string | undefined, limit: number) {
    const index = INDEXES[driver.index];
    const range = 'prefix' in driver.range ? { expr: 'begins_with(#sk, :a)', values: { ':a': driver.range.prefix } } : { expr: '#sk BETWEEN :a AND :b', values: { ':a': driver.range.from, ':b': driver.range.to } };
    const input: QueryCommandInput = {
      TableName: tableName(),
      IndexName: index.name,
      KeyConditionExpression: `#pk = :pk AND ${range.expr}`,
      ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
      ExpressionAttributeValues: { ':pk': driver.partition, ...range.values },
      Limit: limit,
    };
    // On a GSI the start key also names the table item: a certificate's sk is its index sort key (CERT#<id>).
    if (after) input.ExclusiveStartKey = { [index.pk]: driver.partition, [index.sk]: after, ...(index.name ? { pk: pk(projectId), sk: after } : {}) };
    const out = await documentClient().send(new QueryCommand(input));
    // The lookup items and the status index (KEYS_ONLY: a status change rewrites only keys there) hold no record.
    const keysOnly = driver.index === 'pointer' || driver.index === 'status';
    const entries = (out.Items ?? []).map((item) => ({ sortKey: String(item[index.sk]), ...(keysOnly ? {} : { record: fromItem<CertificateRecord>(item) }) }));
    return { entries, more: out.LastEvaluatedKey !== undefined };
  },
  async get(projectId: string, ids: string[]) {
    const items = await inChunks(ids, (id) => documentClient().send(new GetCommand({ TableName: tableName(), Key: key(projectId, 'CERT', id) })));
    const found = new Map<string, CertificateRecord>();
    items.forEach((out, i) => out.Item && found.set(ids[i], fromItem<CertificateRecord>(out.Item)));
    return found;
  },
};

export const searchDynamo = (projectId: string, filters: CertificateFilters, limit: number, marker?: string): Promise<Page<CertificateRecord>> =>
  searchCertificates(reader, projectId, filters, limit, marker);

/**
 * Writes the certificate's lookup items, of every kind or only `kinds` (idempotent: the same keys
 * each time). UpdateItem, not PutItem, so the API (which has no PutItem) can index a request's
 * names and profile when it makes it; the worker adds serial and notAfter once it signed.
 */
export async function indexCertificateDynamo(c: CertificateRecord, kinds?: readonly PointerKind[]): Promise<void> {
  await inChunks(pointerSortKeys(c, kinds), (sk) =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: pk(c.projectId), sk },
        UpdateExpression: 'SET projectId = :p, certificateId = :c',
        ExpressionAttributeValues: { ':p': c.projectId, ':c': c.id },
      }),
    ),
  );
}
