import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { SDK_HTTP_TIMEOUTS } from '../../../lib/store/client.js';

/**
 * Defect found by the soak: `requestTimeout` alone only makes the SDK log a warning, so a DynamoDB
 * request that got no answer held the worker until Lambda killed it. With the store's settings it
 * fails (and the SDK's retry or the job's retry takes over).
 */
const silent = createServer(() => undefined);
await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', () => ok()));
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
});

describe('the SDK clients of the store and queues', () => {
  it('give up on a request that gets no answer, with a TimeoutError', async () => {
    const db = new DynamoDBClient({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1, requestHandler: SDK_HTTP_TIMEOUTS });
    await expect(db.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))).rejects.toMatchObject({ name: 'TimeoutError' });
    db.destroy();
  }, 30_000);
});
