import { dueInBuckets } from './buckets.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from './client.js';
import { expiryKeys, key } from './keys.js';
import type { ExpiryNoticeRecord } from './types.js';

/** Owners hear 30, 7 and 1 days before a certificate expires (as ACM's DaysToExpiry). */
export const EXPIRY_NOTICE_DAYS = [30, 7, 1] as const;

/** The next notice after `now` for a certificate expiring at `notAfter`, or none. */
export function nextExpiryNotice(notAfter: Date, now: Date): { days: number; notifyAt: Date } | undefined {
  for (const days of EXPIRY_NOTICE_DAYS) {
    const at = new Date(notAfter.getTime() - days * 86_400_000);
    if (at.getTime() > now.getTime()) return { days, notifyAt: at };
  }
  return undefined;
}

/**
 * Schedules (or moves) the notice, replacing the previous one only if it is still the one seen:
 * two scheduler runs never send the same notice twice.
 */
export async function putExpiryNotice(n: ExpiryNoticeRecord, seenNotifyAt?: string): Promise<boolean> {
  const k = expiryKeys(n.notifyAt, n.projectId, n.id);
  try {
    // UpdateItem, not PutItem: the scheduler runs with the API's role, which has no PutItem.
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(n.projectId, 'EXP', n.id),
        UpdateExpression: 'SET projectId = :p, id = :id, #na = :na, #days = :d, notifyAt = :at, gsi2pk = :g1, gsi2sk = :g2',
        ExpressionAttributeNames: { '#na': 'expiresAt', '#days': 'days' },
        ExpressionAttributeValues: { ':p': n.projectId, ':id': n.id, ':na': n.expiresAt, ':d': n.days, ':at': n.notifyAt, ':g1': k.gsi2pk, ':g2': k.gsi2sk, ...(seenNotifyAt ? { ':seen': seenNotifyAt } : {}) },
        ...(seenNotifyAt ? { ConditionExpression: 'notifyAt = :seen' } : {}),
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Removes the notice if it is still the one seen; false when another run took it. */
export async function takeExpiryNotice(projectId: string, id: string, seenNotifyAt: string): Promise<boolean> {
  try {
    // Taken out of the due index (not deleted: the API's role deletes only webhooks).
    await documentClient().send(
      new UpdateCommand({ TableName: tableName(), Key: key(projectId, 'EXP', id), UpdateExpression: 'REMOVE gsi2pk, gsi2sk', ConditionExpression: 'notifyAt = :seen AND attribute_exists(gsi2pk)', ExpressionAttributeValues: { ':seen': seenNotifyAt } }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Notices due at `now` (buckets of the last `lookbackDays` days). */
export async function dueExpiryNotices(now: Date, lookbackDays = 30): Promise<Array<{ projectId: string; id: string; notifyAt: string }>> {
  return (await dueInBuckets('EXPIRE', now, lookbackDays)).map((e) => ({ projectId: e.projectId, id: e.id, notifyAt: e.at }));
}
