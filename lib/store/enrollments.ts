import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { dueInBuckets } from './buckets.js';
import { documentClient, tableName } from './client.js';
import { issuingKeys, key } from './keys.js';
import { getRecord, listRecords, putNew, updateRecord } from './records.js';
import { redeemOnce } from './redeemOnce.js';
import type { EnrollmentRecord, EnrollmentStatus } from './enrollmentTypes.js';
import type { DueEntry, Page } from './types.js';

/** The sweep index entry of an enrollment that is (or goes) `issuing`: written in the same write. */
const sweepEntry = (e: Pick<EnrollmentRecord, 'projectId' | 'id'>, status: EnrollmentStatus | undefined) => (status === 'issuing' ? issuingKeys(new Date(), e.projectId, e.id) : {});

/** Enrollments and used JWS ids, in the login CAs' project (see keys.ts). */
export const enrollments = {
  create: (e: EnrollmentRecord) => putNew('ENROLL', e, sweepEntry(e, e.status)),
  get: (projectId: string, id: string) => getRecord<EnrollmentRecord>('ENROLL', projectId, id),
  /**
   * Only from `status` and while the failed attempts are still `seenFailures` (StaleRecordError
   * otherwise): of two redemptions, or a redemption and a wrong guess, exactly one is written.
   */
  advance: (projectId: string, id: string, status: EnrollmentStatus, seenFailures: number, fields: Partial<EnrollmentRecord>) =>
    updateRecord<EnrollmentRecord>('ENROLL', projectId, id, { ...fields, ...sweepEntry({ projectId, id }, fields.status) }, { field: 'status', in: [status], also: { equals: { field: 'failedAttempts', value: seenFailures } } }),
  list: (projectId: string, limit: number, marker?: string, where?: (e: EnrollmentRecord) => boolean): Promise<Page<EnrollmentRecord>> =>
    listRecords<EnrollmentRecord>('ENROLL', projectId, { limit, marker, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
  /** Enrollments that went `issuing` more than the grace period before `now` and were not checked since. */
  dueIssuing: (now: Date): Promise<DueEntry[]> => dueInBuckets('ISSUING', now),
  /** Takes a checked enrollment out of the sweep index, if it is still at `seenAt`; false when another run did. */
  async settleIssuing(projectId: string, id: string, seenAt: string): Promise<boolean> {
    try {
      await documentClient().send(
        new UpdateCommand({ TableName: tableName(), Key: key(projectId, 'ENROLL', id), UpdateExpression: 'REMOVE gsi2pk, gsi2sk', ConditionExpression: 'gsi2sk = :seen', ExpressionAttributeValues: { ':seen': `${seenAt}#${projectId}#${id}` } }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  },
};

/** A JWS id is used once per CA; DynamoDB's TTL removes it after `expiresAt`. */
export const redeemJti = (projectId: string, caId: string, jti: string, expiresAt: Date): Promise<boolean> => redeemOnce('JTI', projectId, `${caId}:${jti}`, Math.ceil(expiresAt.getTime() / 1000) + 60);
