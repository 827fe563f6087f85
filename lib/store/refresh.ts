import { dueInBuckets } from './buckets.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from './client.js';
import { caIdOfCrlRecord, key, refreshKeys } from './keys.js';

/** CRLs due for re-signing at `now` (their record, CA id and project), from the refresh buckets. */
export async function dueCrlRefreshes(now: Date, lookbackDays = 30): Promise<Array<{ projectId: string; caId: string; crlId: string; refreshAt: string }>> {
  return (await dueInBuckets('REFRESH', now, lookbackDays)).map((e) => ({ projectId: e.projectId, caId: caIdOfCrlRecord(e.id), crlId: e.id, refreshAt: e.at }));
}

/**
 * Claims a due refresh by moving it `laterMs` ahead (not removing it): if the job that re-signs the
 * CRL fails, the next run tries again; if it succeeds, the new CRL brings its own refresh time.
 */
export async function postponeCrlRefresh(projectId: string, crlId: string, seen: string, later: Date): Promise<boolean> {
  const k = refreshKeys(later.toISOString(), projectId, crlId);
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key(projectId, 'CRL', crlId),
        UpdateExpression: 'SET gsi2pk = :pk, gsi2sk = :sk',
        ConditionExpression: 'gsi2sk = :seen',
        ExpressionAttributeValues: { ':pk': k.gsi2pk, ':sk': k.gsi2sk, ':seen': `${seen}#${projectId}#${crlId}` },
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}
