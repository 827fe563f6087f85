import { dueInBuckets } from './buckets.js';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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
  try {
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...key(n.projectId, 'EXP', n.id), ...expiryKeys(n.notifyAt, n.projectId, n.id), ...n },
        ...(seenNotifyAt ? { ConditionExpression: 'notifyAt = :seen', ExpressionAttributeValues: { ':seen': seenNotifyAt } } : {}),
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
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: key(projectId, 'EXP', id), ConditionExpression: 'notifyAt = :seen', ExpressionAttributeValues: { ':seen': seenNotifyAt } }));
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
