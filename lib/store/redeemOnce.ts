import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';
import { pk, sk } from './keys.js';
import { putNew } from './records.js';

/** The single-use values the front ends redeem: ACME nonces and enrollment JWS ids (their own partitions, keys.ts). */
export type RedeemedKind = 'NONCE' | 'JTI';

/**
 * A value is redeemed once: the first conditional write wins. `ttl` (epoch seconds) is when
 * DynamoDB may remove the item; by then the value is refused by its own expiry, checked before.
 */
export async function redeemOnce(kind: RedeemedKind, projectId: string, id: string, ttl: number): Promise<boolean> {
  if (await redeemedInProjectPartition(kind, projectId, id)) return false;
  try {
    await putNew(kind, { projectId, id }, { ttl });
    return true;
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}

/**
 * Where these items were written before they had partitions of their own (`P#`, where no front
 * end may name `ttl` any more): one redeemed just before the move stays used until it expires, or
 * a nonce or JWS id taken right before a deploy could be replayed right after it. No longer needed
 * once every such item is past its `ttl` (a nonce's lifetime, a JWS id's token lifetime + 60 s).
 */
async function redeemedInProjectPartition(kind: RedeemedKind, projectId: string, id: string): Promise<boolean> {
  const out = await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: pk(projectId), sk: sk(kind, id) }, ConsistentRead: true, ProjectionExpression: 'pk' }));
  return out.Item !== undefined;
}
