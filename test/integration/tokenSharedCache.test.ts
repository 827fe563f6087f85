import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tokenCacheKey } from '../../lib/store/keys.js';
import { keystoneToken } from '../support/api.js';
import { devKeystoneValidations, tokenSession } from '../support/session.js';

/**
 * Every API route is a function of its own with its own in-process token cache; the shared cache
 * in the table makes one token cost the development Keystone one validation across all of them.
 */
const AUTH_URL = process.env.OS_AUTH_URL ?? '';
const TABLE = process.env.TABLE_NAME ?? 'openstack-ca-local';

describe('the shared token validation cache, through the local stack', () => {
  it('one token, a session across many functions: at most one Keystone validation', async () => {
    const token = await keystoneToken('admin', 'secret', 'tenant-a');
    const before = await devKeystoneValidations(AUTH_URL, token);
    if (before === undefined) return; // a real Keystone: nothing counts its validations
    expect(before).toBe(0);
    const routes = await tokenSession(token, 'Shared Token Cache');
    expect(routes.length).toBeGreaterThanOrEqual(8);
    expect(await devKeystoneValidations(AUTH_URL, token)).toBeLessThanOrEqual(1);
  });

  it('the table holds the validation under the token’s SHA-256, never the token', async () => {
    const token = await keystoneToken('bob', 'bpass2', 'tenant-b');
    const res = await fetch(`${process.env.API_URL}/v1/cas`, { headers: { 'X-Auth-Token': token } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION ?? 'us-east-1' }));
    const { Item } = await doc.send(new GetCommand({ TableName: TABLE, Key: tokenCacheKey(createHash('sha256').update(token).digest('hex')), ConsistentRead: true }));
    expect(Item).toMatchObject({ v: 1, creds: { userName: 'bob', roles: expect.any(Array) } });
    expect(JSON.stringify(Item)).not.toContain(token);
    expect(Item!.ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 300);
  });
});
