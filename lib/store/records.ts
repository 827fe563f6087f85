import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from './client.js';
import { isStoreWriter } from './writers.js';
import { fromItem, key, pk, type Kind } from './keys.js';
import type { Page } from './types.js';
import { assertBound, isBound } from './binding.js';
import type { Claim } from './store.js';

/** Thrown when a conditional write loses (the record is not in the state the caller expected). */
export class StaleRecordError extends Error {
  readonly code: string = 'STALE_RECORD';
}

/** Another delivery holds the claim (or the record is past the state to claim it in): this one does nothing. */
export class ClaimHeldError extends StaleRecordError {
  override readonly code = 'CLAIM_HELD';
}

/**
 * Writes every field of an item with UpdateItem (never PutItem: the API role has no PutItem, so it
 * cannot replace an item and drop what the worker wrote into it).
 */
function setAll(kind: Kind, record: { projectId: string; id: string }, extra: Record<string, unknown>, condition?: string): UpdateCommand {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  Object.entries({ ...extra, ...record }).forEach(([k, v], i) => {
    if (v === undefined) return;
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    sets.push(`#a${i} = :a${i}`);
  });
  return new UpdateCommand({
    TableName: tableName(),
    Key: key(record.projectId, kind, record.id),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ...(condition ? { ConditionExpression: condition } : {}),
  });
}

export async function putNew(kind: Kind, record: { projectId: string; id: string }, extra: Record<string, unknown> = {}): Promise<void> {
  await documentClient().send(setAll(kind, record, extra, 'attribute_not_exists(pk)'));
}

/** Writes a record's fields over any of the same id (fields it does not have are left as they are). */
export async function putRecord(kind: Kind, record: { projectId: string; id: string }): Promise<void> {
  await documentClient().send(setAll(kind, record, {}));
}

/** Deletes a record; true when there was one. */
export async function deleteRecord(kind: Kind, projectId: string, id: string): Promise<boolean> {
  const out = await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key(projectId, kind, id), ReturnValues: 'ALL_OLD' }));
  return out.Attributes !== undefined;
}

/** Puts a record unless one exists with `field` at or above this record's value (StaleRecordError then). */
export async function putIfNewer<T extends { projectId: string; id: string }>(kind: Kind, record: T, field: keyof T & string, extra: Record<string, unknown> = {}): Promise<void> {
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key(record.projectId, kind, record.id), ...extra, ...record },
        ConditionExpression: 'attribute_not_exists(pk) OR #f < :v',
        ExpressionAttributeNames: { '#f': field },
        ExpressionAttributeValues: { ':v': record[field] },
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw new StaleRecordError(`${kind} ${record.id} has a newer version`);
    throw e;
  }
}

export async function getRecord<T>(kind: Kind, projectId: string, id: string): Promise<T | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key(projectId, kind, id), ConsistentRead: true }));
  return out.Item ? assertBound(kind, fromItem<T>(out.Item), projectId, id) : undefined;
}

/**
 * Sets fields on an existing record, optionally only while `field` has one of `expected` values.
 * Returns the record as written.
 */
export async function updateRecord<T>(
  kind: Kind,
  projectId: string,
  id: string,
  fields: Record<string, unknown>,
  when?: { field: string; in: readonly string[]; also?: { absent?: string; equals?: { field: string; value: string | number } } },
  /** false: bookkeeping of the worker's that does not change the record as its owner sees it. */
  touch = true,
): Promise<T> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(touch ? { ...fields, updatedAt: new Date().toISOString() } : fields).forEach(([k, v], i) => {
    names[`#f${i}`] = k;
    if (v === undefined) removes.push(`#f${i}`);
    else {
      values[`:v${i}`] = v;
      sets.push(`#f${i} = :v${i}`);
    }
  });
  let condition = 'attribute_exists(pk)';
  if (when) {
    names['#cond'] = when.field;
    const placeholders = when.in.map((v, i) => {
      values[`:c${i}`] = v;
      return `:c${i}`;
    });
    condition += ` AND #cond IN (${placeholders.join(', ')})`;
    if (when.also?.absent) {
      names['#absent'] = when.also.absent;
      condition += ' AND attribute_not_exists(#absent)';
    }
    if (when.also?.equals) {
      names['#eq'] = when.also.equals.field;
      values[':eq'] = when.also.equals.value;
      condition += ' AND #eq = :eq';
    }
  }
  // The API role may not have the worker's attributes returned by a write (IAM counts returned
  // attributes under dynamodb:Attributes): it writes, then reads the record back.
  const returnAll = !isStoreWriter(process.env.STORE_WRITER);
  try {
    const out = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(projectId, kind, id),
        UpdateExpression: [`SET ${sets.join(', ')}`, removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim(),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: returnAll ? 'ALL_NEW' : 'NONE',
      }),
    );
    if (!returnAll) {
      const written = await getRecord<T>(kind, projectId, id);
      if (!written) throw new StaleRecordError(`${kind} ${id} is gone`);
      return written;
    }
    return assertBound(kind, fromItem<T>(out.Attributes ?? {}), projectId, id);
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw new StaleRecordError(`${kind} ${id} is not in an expected state`);
    throw e;
  }
}

export interface ListOptions {
  limit: number;
  marker?: string;
  /** Query the CA index instead of the project partition. */
  index?: { name: string; pkName: string; pkValue: string; skName: string };
  /** Newest first (ids that sort by time). */
  descending?: boolean;
  /** Keep only items for which this holds; pages are filled across queries. */
  where?: (item: Record<string, unknown>) => boolean;
  /** Fields every item must have (besides its project), e.g. the CA of the CA index: else refused. */
  bound?: Record<string, string>;
}

/** One page of a project's records of one kind, ordered by id, OpenStack-style limit/marker. */
export async function listRecords<T>(kind: Kind, projectId: string, opts: ListOptions): Promise<Page<T>> {
  const pkName = opts.index?.pkName ?? 'pk';
  const skName = opts.index?.skName ?? 'sk';
  const pkValue = opts.index?.pkValue ?? pk(projectId);
  const input: QueryCommandInput = {
    TableName: tableName(),
    IndexName: opts.index?.name,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
    ExpressionAttributeValues: { ':pk': pkValue, ':prefix': `${kind}#` },
    // One more than asked tells whether a next page exists without a second round trip.
    Limit: opts.limit + 1,
    ScanIndexForward: !opts.descending,
  };
  if (opts.marker) {
    const start: Record<string, string> = { [pkName]: pkValue, [skName]: `${kind}#${opts.marker}` };
    if (opts.index) Object.assign(start, key(projectId, kind, opts.marker));
    input.ExclusiveStartKey = start;
  }
  const items: Array<T & { id: string }> = [];
  // A filter may drop items, so keep reading (bounded) until the page is full or the data ends.
  for (let round = 0; round < 20; round++) {
    const out = await documentClient().send(new QueryCommand(input));
    for (const raw of out.Items ?? []) {
      const item = fromItem<T & { id: string }>(raw);
      if (!isBound(kind, item, projectId, opts.bound)) continue;
      if (!opts.where || opts.where(item as Record<string, unknown>)) items.push(item);
    }
    if (items.length > opts.limit || !out.LastEvaluatedKey) break;
    input.ExclusiveStartKey = out.LastEvaluatedKey;
  }
  if (items.length > opts.limit) {
    const page = items.slice(0, opts.limit);
    return { items: page, next: page[page.length - 1].id };
  }
  return { items };
}

/**
 * Takes the claim on a record (see Claimable in store.ts): only while its status is one of
 * `whenStatus` and no other delivery holds an unexpired claim.
 */
export async function claimRecord<T>(kind: Kind, projectId: string, id: string, claim: Claim, now: Date, whenStatus: readonly string[]): Promise<T> {
  const values: Record<string, unknown> = { ':t': claim.token, ':u': claim.until, ':now': now.toISOString() };
  const statuses = whenStatus.map((s, i) => {
    values[`:s${i}`] = s;
    return `:s${i}`;
  });
  try {
    const out = await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(projectId, kind, id),
        UpdateExpression: 'SET claimToken = :t, claimUntil = :u, updatedAt = :now',
        ConditionExpression: `attribute_exists(pk) AND #status IN (${statuses.join(', ')}) AND (attribute_not_exists(claimToken) OR claimUntil < :now OR claimToken = :t)`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return assertBound(kind, fromItem<T>(out.Attributes ?? {}), projectId, id);
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw new ClaimHeldError(`${kind} ${id} is claimed by another delivery or no longer ${whenStatus.join('/')}`);
    throw e;
  }
}

/** Writes while `token` holds the claim; `release` ends the claim in the same write. */
export function updateClaimedRecord<T>(kind: Kind, projectId: string, id: string, token: string, fields: Record<string, unknown>, release = false): Promise<T> {
  return updateRecord<T>(kind, projectId, id, release ? { ...fields, claimToken: undefined, claimUntil: undefined } : fields, { field: 'claimToken', in: [token] });
}
