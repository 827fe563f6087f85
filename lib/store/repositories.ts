import { caIndexKey, CA_INDEX, key, statusKeys } from './keys.js';
import { batchPut } from './batch.js';
import { indexCertificateDynamo, searchDynamo } from './search/dynamo.js';
import { crlDer, crlPartitions, putCrl, revocations } from './revocations.js';
import { claimRecord, deleteRecord, getRecord, listRecords, putIfNewer, putNew, putRecord, updateClaimedRecord, updateRecord } from './records.js';
import { putExpiryNotice } from './expiry.js';
import { claimRenewal, dueRenewals, finishRenewal, scheduleRenewal, unscheduleRenewal } from './renewals.js';
import { enrollments } from './enrollments.js';
import { acmeAccounts, acmeAuthorizations, acmeOrders } from './acme.js';
import type { Claim, Store } from './store.js';
import type { CaRecord, CertificateRecord, ContainerRecord, CrlRecord, EventRecord, JobRecord, OcspRecord, Page, WebhookRecord } from './types.js';

/** Typed repositories over the single table. Every read is scoped to a project and bound to its key. */
export const cas = {
  create: (ca: CaRecord) => putNew('CA', ca),
  claim: (projectId: string, id: string, claim: Claim, now: Date, whenStatus: readonly CaRecord['status'][]) => claimRecord<CaRecord>('CA', projectId, id, claim, now, whenStatus),
  updateClaimed: (projectId: string, id: string, token: string, fields: Partial<CaRecord>, release?: boolean) => updateClaimedRecord<CaRecord>('CA', projectId, id, token, fields, release),
  get: (projectId: string, id: string) => getRecord<CaRecord>('CA', projectId, id),
  update: (projectId: string, id: string, fields: Partial<CaRecord>, whenStatus?: readonly CaRecord['status'][]) =>
    updateRecord<CaRecord>('CA', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
  list: (projectId: string, limit: number, marker?: string): Promise<Page<CaRecord>> => listRecords<CaRecord>('CA', projectId, { limit, marker }),
  /** Records the rotation asked for, only on an active CA with none under way (one of two parallel requests wins). */
  startRotation: (projectId: string, id: string, jobId: string) =>
    updateRecord<CaRecord>('CA', projectId, id, { rotationJobId: jobId }, { field: 'status', in: ['active'], also: { absent: 'rotationJobId' } }),
  /** Replaces the profiles only if the CA is unchanged since `seenUpdatedAt` (else StaleRecordError). */
  setProfiles: (projectId: string, id: string, profiles: CaRecord['profiles'], seenUpdatedAt: string) =>
    updateRecord<CaRecord>('CA', projectId, id, { profiles }, { field: 'updatedAt', in: [seenUpdatedAt] }),
};

export const jobs = {
  create: (job: JobRecord) => putNew('JOB', job),
  get: (projectId: string, id: string) => getRecord<JobRecord>('JOB', projectId, id),
  update: (projectId: string, id: string, fields: Partial<JobRecord>, whenStatus?: readonly JobRecord['status'][]) =>
    updateRecord<JobRecord>('JOB', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
};

/** A status written moves the certificate in the status index in the same write. */
const withStatusKeys = (projectId: string, id: string, fields: Partial<CertificateRecord>): Record<string, unknown> =>
  fields.status ? { ...fields, ...statusKeys(projectId, id, fields.status) } : fields;

export const certificates = {
  /** Its lookup items first: a certificate is never there unindexed (an item without one finds nothing). */
  create: async (cert: CertificateRecord) => {
    await indexCertificateDynamo(cert);
    await putNew('CERT', cert, { gsi1pk: caIndexKey(cert.projectId, cert.caId), gsi1sk: `CERT#${cert.id}`, ...statusKeys(cert.projectId, cert.id, cert.status) });
  },
  get: (projectId: string, id: string) => getRecord<CertificateRecord>('CERT', projectId, id),
  claim: (projectId: string, id: string, claim: Claim, now: Date, whenStatus: readonly CertificateRecord['status'][]) => claimRecord<CertificateRecord>('CERT', projectId, id, claim, now, whenStatus),
  updateClaimed: (projectId: string, id: string, token: string, fields: Partial<CertificateRecord>, release?: boolean) =>
    updateClaimedRecord<CertificateRecord>('CERT', projectId, id, token, withStatusKeys(projectId, id, fields), release),
  update: (projectId: string, id: string, fields: Partial<CertificateRecord>, whenStatus?: readonly CertificateRecord['status'][]) =>
    updateRecord<CertificateRecord>('CERT', projectId, id, withStatusKeys(projectId, id, fields), whenStatus && { field: 'status', in: whenStatus }),
  /** One successor per certificate: records `newId` as its successor only if it is issued and has none (StaleRecordError otherwise). */
  markRenewed: (projectId: string, id: string, newId: string) =>
    updateRecord<CertificateRecord>('CERT', projectId, id, { renewedBy: newId }, { field: 'status', in: ['issued'], also: { absent: 'renewedBy' } }),
  /** The worker's own record of a revocation it put on a CRL (updatedAt unchanged: nothing the owner did). */
  recordCrlRevocation: (projectId: string, id: string, fields: Pick<CertificateRecord, 'crlRevokedAt' | 'crlRevocationReason'>) =>
    updateRecord<CertificateRecord>('CERT', projectId, id, fields, { field: 'status', in: ['revoked'] }, false).then(() => undefined),
  list: (projectId: string, limit: number, marker?: string, caId?: string): Promise<Page<CertificateRecord>> =>
    listRecords<CertificateRecord>('CERT', projectId, {
      limit,
      marker,
      index: caId ? { name: CA_INDEX, pkName: 'gsi1pk', pkValue: caIndexKey(projectId, caId), skName: 'gsi1sk' } : undefined,
      bound: caId ? { caId } : undefined,
    }),
  search: searchDynamo,
  index: indexCertificateDynamo,
};

export const webhooks = {
  get: (projectId: string) => getRecord<WebhookRecord>('HOOK', projectId, 'webhook'),
  put: (hook: WebhookRecord) => putRecord('HOOK', hook),
  delete: (projectId: string) => deleteRecord('HOOK', projectId, 'webhook'),
};

export const crls = {
  get: (projectId: string, id: string) => getRecord<CrlRecord>('CRL', projectId, id),
  der: crlDer,
  /** Writes a CRL only over an older one (CRL numbers never go back), due for re-signing at `refreshAt` (without: not scheduled). */
  put: putCrl,
  partitions: crlPartitions,
};

export const ocspResponses = {
  get: (projectId: string, caId: string, serial: string) => getRecord<OcspRecord>('OCSP', projectId, `${caId}:${serial}`),
  /** Never replaces a newer response (thisUpdate), so a late 'good' cannot hide a revocation. */
  put: (r: OcspRecord) => putIfNewer('OCSP', r, 'thisUpdate'),
};

export const containers = {
  create: (c: ContainerRecord) => putNew('CTR', c),
  get: (projectId: string, id: string) => getRecord<ContainerRecord>('CTR', projectId, id),
  update: (projectId: string, id: string, fields: Partial<ContainerRecord>, whenStatus?: readonly ContainerRecord['status'][]) =>
    updateRecord<ContainerRecord>('CTR', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
  list: (projectId: string, limit: number, marker?: string): Promise<Page<ContainerRecord>> => listRecords<ContainerRecord>('CTR', projectId, { limit, marker }),
};

export const events = {
  append: (event: EventRecord) => putNew('EVT', event),
  /** Whole items, unconditionally: an event's id is random past its millisecond, so no two share a key. */
  appendAll: (list: EventRecord[]) => batchPut(list.map((e) => ({ ...key(e.projectId, 'EVT', e.id), ...e }))),
  list: (projectId: string, limit: number, marker?: string, where?: (e: EventRecord) => boolean): Promise<Page<EventRecord>> =>
    listRecords<EventRecord>('EVT', projectId, { limit, marker, descending: true, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
};

/** The DynamoDB store as the worker's context takes it. */
export const dynamoStore: Store = {
  cas,
  jobs,
  certificates,
  containers,
  crls,
  revocations,
  ocspResponses,
  events,
  renewals: { schedule: scheduleRenewal, due: (now) => dueRenewals(now), claim: claimRenewal, finish: finishRenewal, unschedule: unscheduleRenewal },
  acme: { accounts: acmeAccounts, orders: acmeOrders, authorizations: acmeAuthorizations },
  enrollments: { get: enrollments.get, create: enrollments.create, dueIssuing: enrollments.dueIssuing, settleIssuing: enrollments.settleIssuing },
  expiryNotices: { put: putExpiryNotice },
};
