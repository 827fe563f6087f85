import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** A table of one process's writes: a conditional create fails as DynamoDB's would. */
const items = new Map<string, Record<string, unknown>>();
const id = (k: Record<string, unknown>) => `${String(k.pk)}|${String(k.sk)}`;
vi.mock('../../../lib/store/client.js', () => ({
  tableName: () => 't',
  documentClient: () => ({
    send: async (command: unknown) => {
      if (command instanceof GetCommand) return { Item: items.get(id(command.input.Key ?? {})) };
      if (command instanceof UpdateCommand) {
        const k = command.input.Key ?? {};
        if (items.has(id(k))) throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
        const names = command.input.ExpressionAttributeNames ?? {};
        const values = command.input.ExpressionAttributeValues ?? {};
        items.set(id(k), { ...k, ...Object.fromEntries(Object.entries(names).map(([n, a]) => [a, values[n.replace('#', ':')]])) });
        return {};
      }
      throw new Error('unexpected command');
    },
  }),
}));

const { redeemJti, redeemNonce } = await import('../../../lib/store/index.js');

describe('redeeming a nonce or a JWS id', () => {
  beforeEach(() => items.clear());

  it('once, in its own partition (where a front end may write `ttl`), with the ttl', async () => {
    const expires = new Date('2030-01-01T00:00:00Z');
    expect(await redeemNonce('p1', 'n1', expires)).toBe(true);
    expect(await redeemNonce('p1', 'n1', expires)).toBe(false);
    expect(items.get('N#p1|NONCE#n1')).toMatchObject({ projectId: 'p1', id: 'n1', ttl: expires.getTime() / 1000 });
    expect(await redeemJti('system', 'ca1', 'j1', expires)).toBe(true);
    expect(await redeemJti('system', 'ca1', 'j1', expires)).toBe(false);
    expect(items.get('J#system|JTI#ca1:j1')).toMatchObject({ ttl: expires.getTime() / 1000 + 60 });
    expect([...items.keys()].filter((k) => k.startsWith('P#'))).toEqual([]);
  });

  it('not again when it was redeemed before the move, under the project partition', async () => {
    items.set('P#p1|NONCE#n1', { pk: 'P#p1', sk: 'NONCE#n1' });
    items.set('P#system|JTI#ca1:j1', { pk: 'P#system', sk: 'JTI#ca1:j1' });
    const expires = new Date('2030-01-01T00:00:00Z');
    expect(await redeemNonce('p1', 'n1', expires)).toBe(false);
    expect(await redeemJti('system', 'ca1', 'j1', expires)).toBe(false);
    expect(await redeemNonce('p1', 'n2', expires)).toBe(true);
  });
});
