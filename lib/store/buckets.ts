import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './client.js';
import { RENEW_INDEX } from './keys.js';
import type { DueEntry } from './types.js';

/**
 * Everything in the `prefix` buckets due at `now`: one query per day of the last `lookbackDays`
 * days (renewals, expiry notices and CRL refreshes all use this; never a table scan).
 */
export async function dueInBuckets(prefix: 'RENEW' | 'EXPIRE' | 'REFRESH' | 'ISSUING', now: Date, lookbackDays = 30, limit = Infinity): Promise<DueEntry[]> {
  const out: DueEntry[] = [];
  const until = now.toISOString();
  for (let d = lookbackDays; d >= 0 && out.length < limit; d--) {
    const day = new Date(now.getTime() - d * 86_400_000).toISOString().slice(0, 10);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: RENEW_INDEX,
          KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :until',
          ExpressionAttributeValues: { ':pk': `${prefix}#${day}`, ':until': `${until}#~` },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const [at, projectId, id] = String(item.gsi2sk).split('#');
        if (at <= until) out.push({ at, projectId, id });
      }
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
  }
  return out.slice(0, limit);
}
