import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SharedItem, SharedTokenCache } from '../auth/sharedCache.js';
import { documentClient, tableName } from './client.js';
import { tokenCacheKey } from './keys.js';

/**
 * The shared token validation cache in the service's table: one item per token under
 * `TOK#<sha256>`, written with PutItem (the API role may do that only there), expired by the
 * table's TTL. Each call is bounded by `timeoutMs` (SDK retries included): a slow table must cost
 * a request less than the Keystone validation it was meant to save.
 */
export function dynamoTokenValidations(timeoutMs: number): SharedTokenCache {
  return {
    async read(fingerprint) {
      // Eventually consistent: an entry a moment late only costs one more Keystone validation.
      const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: tokenCacheKey(fingerprint) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return Item;
    },
    async write(fingerprint, item: SharedItem) {
      await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...tokenCacheKey(fingerprint), ...item } }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    },
  };
}
