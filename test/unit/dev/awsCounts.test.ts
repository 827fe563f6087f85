import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCounts, countDynamoCapacity, countRequests } from '../../../dev/awsCounts.js';

/** The bench's cost figures stand on these counts: DynamoDB's capacity rules, index writes included. */
const dynalite = createRequire(import.meta.url)('dynalite') as (o: object) => Server;
const counts = new AwsCounts();
let server: Server;
let db: DynamoDBClient;
const TableName = 'counts';
const S = (s: string) => ({ S: s });

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  countRequests(server, 'dynamodb', counts);
  countDynamoCapacity(counts, [
    { name: 'all', hashKey: 'g1', rangeKey: 'g1s', keysOnly: false },
    { name: 'keys', hashKey: 'g2', rangeKey: 'g2s', keysOnly: true },
  ]);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.address() as { port: number }).port;
  db = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const attr = (n: string) => ({ AttributeName: n, AttributeType: 'S' as const });
  await db.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'g1', 'g1s', 'g2', 'g2s'].map(attr),
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [
        { IndexName: 'all', KeySchema: [{ AttributeName: 'g1', KeyType: 'HASH' }, { AttributeName: 'g1s', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'keys', KeySchema: [{ AttributeName: 'g2', KeyType: 'HASH' }, { AttributeName: 'g2s', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
    }),
  );
  counts.reset();
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe('AwsCounts on dynalite', () => {
  it('a 2.5 KB item written: 3 write units, and 3 more for the ALL index it is in', async () => {
    await db.send(new PutItemCommand({ TableName, Item: { pk: S('P#a'), sk: S('CERT#1'), g1: S('P#a#CA#x'), g1s: S('CERT#1'), body: S('x'.repeat(2500)) } }));
    expect(counts.writeUnits).toBe(6);
    expect(counts.indexWriteUnits).toBe(3);
    expect(counts.partitionWrites.get('table P#a')).toBe(3);
    expect(counts.partitionWrites.get('all P#a#CA#x')).toBe(3);
    expect(counts.requests.get('dynamodb PutItem')).toBe(1);
    expect(counts.kindWrites.get('CERT')).toEqual({ writes: 1, units: 3 });
  });

  it('an update entering the KEYS_ONLY index costs it one unit; an update that leaves its keys alone, none there', async () => {
    counts.reset();
    await db.send(new UpdateItemCommand({ TableName, Key: { pk: S('P#a'), sk: S('CERT#1') }, UpdateExpression: 'SET g2 = :d, g2s = :s', ExpressionAttributeValues: { ':d': S('RENEW#2026-12-01'), ':s': S('t#1') } }));
    // Table 3 (the larger of old and new), the ALL index rewritten 3, the KEYS_ONLY index 1.
    expect(counts.writeUnits).toBe(7);
    expect(counts.partitionWrites.get('keys RENEW#2026-12-01')).toBe(1);
    counts.reset();
    await db.send(new UpdateItemCommand({ TableName, Key: { pk: S('P#a'), sk: S('CERT#1') }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': S('1') } }));
    expect(counts.writeUnits).toBe(6);
    expect(counts.partitionWrites.get('keys RENEW#2026-12-01')).toBeUndefined();
  });

  it('reads: a strongly consistent get of a 2.5 KB item is 1 unit, an eventually consistent one half; queries count too', async () => {
    counts.reset();
    await db.send(new GetItemCommand({ TableName, Key: { pk: S('P#a'), sk: S('CERT#1') }, ConsistentRead: true }));
    expect(counts.readUnits).toBe(1);
    await db.send(new GetItemCommand({ TableName, Key: { pk: S('P#a'), sk: S('CERT#1') } }));
    expect(counts.readUnits).toBe(1.5);
    const q = await db.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': S('P#a') } }));
    expect(counts.readUnits).toBe(2);
    // The caller did not ask for the capacity: it does not get it.
    expect(q.ConsumedCapacity).toBeUndefined();
    expect(counts.total('dynamodb')).toBe(3);
  });
});
