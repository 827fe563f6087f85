import { dueInBuckets } from './buckets.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from './client.js';
import { key, renewKeys } from './keys.js';
import { StaleRecordError } from './records.js';
import type { DueRenewal, RenewalClaim } from './types.js';

/**
 * The renewal index: a certificate with a renewal setting has an entry in a sparse GSI bucketed
 * by the day it is due, so the scheduler finds what is due with a few queries, never a scan. A
 * renewal is claimed under a condition before its successor is written (two schedulers never
 * both win, and the loser writes nothing); the entry leaves the index once the successor is queued.
 */

async function update(projectId: string, id: string, expression: string, condition: string, names: Record<string, string>, values: Record<string, unknown>): Promise<void> {
  try {
    await documentClient().send(
      // DynamoDB refuses empty maps (a ValidationException): they are left out.
      new UpdateCommand({
        TableName: tableName(),
        Key: key(projectId, 'CERT', id),
        UpdateExpression: expression,
        ConditionExpression: condition,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) throw new StaleRecordError(`certificate ${id} is not in an expected state`);
    throw e;
  }
}

/** Puts the certificate in the index, due at `renewAt` (also after a failed attempt, later). */
export async function scheduleRenewal(projectId: string, id: string, renewAt: string, failures?: number): Promise<void> {
  const k = renewKeys(renewAt, projectId, id);
  await update(
    projectId,
    id,
    `SET renewAt = :at, gsi2pk = :pk, gsi2sk = :sk, updatedAt = :now${failures === undefined ? '' : ', renewalFailures = :f'} REMOVE renewedBy, renewalClaim`,
    'attribute_exists(pk) AND #status = :issued',
    { '#status': 'status' },
    { ':at': renewAt, ':pk': k.gsi2pk, ':sk': k.gsi2sk, ':now': new Date().toISOString(), ':issued': 'issued', ...(failures === undefined ? {} : { ':f': failures }) },
  );
}

/** Everything due at `now`, from the buckets of the last `lookbackDays` days up to today. */
export async function dueRenewals(now: Date, lookbackDays = 30, limit = 500): Promise<DueRenewal[]> {
  return (await dueInBuckets('RENEW', now, lookbackDays, limit)).map((e) => ({ projectId: e.projectId, id: e.id, renewAt: e.at }));
}

/** See Store.renewals.claim: the claim is written, the index entry stays until `finishRenewal`. */
export async function claimRenewal(due: DueRenewal, claim: RenewalClaim, seen?: RenewalClaim): Promise<void> {
  await update(
    due.projectId,
    due.id,
    'SET renewalClaim = :claim, updatedAt = :now',
    `renewAt = :at AND attribute_exists(gsi2pk) AND #status = :issued AND ${seen ? 'renewalClaim.#claimedAt = :seen' : 'attribute_not_exists(renewalClaim)'}`,
    { '#status': 'status', ...(seen ? { '#claimedAt': 'at' } : {}) },
    { ':claim': claim, ':now': new Date().toISOString(), ':at': due.renewAt, ':issued': 'issued', ...(seen ? { ':seen': seen.at } : {}) },
  );
}

/** The successor of `claim` is written and queued: `renewedBy` it, out of the index (StaleRecordError if the claim is gone). */
export async function finishRenewal(due: DueRenewal, claim: RenewalClaim): Promise<void> {
  await update(due.projectId, due.id, 'SET renewedBy = :new, updatedAt = :now REMOVE gsi2pk, gsi2sk, renewalClaim', 'renewalClaim.jobId = :job', {}, { ':new': claim.certificateId, ':now': new Date().toISOString(), ':job': claim.jobId });
}

/** Drops a certificate from the index (revoked, or no longer renewable). */
export async function unscheduleRenewal(projectId: string, id: string): Promise<void> {
  await update(projectId, id, 'REMOVE gsi2pk, gsi2sk', 'attribute_exists(pk)', {}, {}).catch(() => undefined);
}
