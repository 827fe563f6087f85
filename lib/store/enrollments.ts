import { getRecord, listRecords, putNew, updateRecord } from './records.js';
import type { EnrollmentRecord, EnrollmentStatus } from './enrollmentTypes.js';
import type { Page } from './types.js';

/** Enrollments and used JWS ids, in the login CAs' project (see keys.ts). */
export const enrollments = {
  create: (e: EnrollmentRecord) => putNew('ENROLL', e),
  get: (projectId: string, id: string) => getRecord<EnrollmentRecord>('ENROLL', projectId, id),
  /**
   * Only from `status` and while the failed attempts are still `seenFailures` (StaleRecordError
   * otherwise): of two redemptions, or a redemption and a wrong guess, exactly one is written.
   */
  advance: (projectId: string, id: string, status: EnrollmentStatus, seenFailures: number, fields: Partial<EnrollmentRecord>) =>
    updateRecord<EnrollmentRecord>('ENROLL', projectId, id, fields, { field: 'status', in: [status], also: { equals: { field: 'failedAttempts', value: seenFailures } } }),
  list: (projectId: string, limit: number, marker?: string, where?: (e: EnrollmentRecord) => boolean): Promise<Page<EnrollmentRecord>> =>
    listRecords<EnrollmentRecord>('ENROLL', projectId, { limit, marker, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
};

/** A JWS id is used once per CA: the first conditional write wins; DynamoDB's TTL removes it after `expiresAt`. */
export async function redeemJti(projectId: string, caId: string, jti: string, expiresAt: Date): Promise<boolean> {
  try {
    await putNew('JTI', { projectId, id: `${caId}:${jti}` }, { ttl: Math.ceil(expiresAt.getTime() / 1000) + 60 });
    return true;
  } catch (e) {
    if ((e as Error).name === 'ConditionalCheckFailedException') return false;
    throw e;
  }
}
