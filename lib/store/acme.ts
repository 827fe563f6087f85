import { putNew, getRecord, listRecords, updateRecord, StaleRecordError } from './records.js';
import { redeemOnce } from './redeemOnce.js';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeKeyRecord, AcmeOrderRecord, EabRecord } from './acmeTypes.js';
import type { Page } from './types.js';

/** ACME's records in the single table, each under its project (see keys.ts). */
export const acmeAccounts = {
  create: (a: AcmeAccountRecord) => putNew('ACCT', a),
  get: (projectId: string, id: string) => getRecord<AcmeAccountRecord>('ACCT', projectId, id),
  update: (projectId: string, id: string, fields: Partial<AcmeAccountRecord>, whenStatus?: readonly AcmeAccountRecord['status'][]) =>
    updateRecord<AcmeAccountRecord>('ACCT', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
  list: (projectId: string, limit: number, marker?: string, where?: (a: AcmeAccountRecord) => boolean): Promise<Page<AcmeAccountRecord>> =>
    listRecords<AcmeAccountRecord>('ACCT', projectId, { limit, marker, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
};

const keyId = (caId: string, thumbprint: string) => `${caId}:${thumbprint}`;

/** One account per key per directory: the key item is created only if absent (or released by a key change). */
export const acmeAccountKeys = {
  get: async (projectId: string, caId: string, thumbprint: string) => {
    const k = await getRecord<AcmeKeyRecord>('AKEY', projectId, keyId(caId, thumbprint));
    return k && !k.released ? k : undefined;
  },
  /** False when another account holds the key. */
  claim: async (projectId: string, caId: string, thumbprint: string, accountId: string): Promise<boolean> => {
    const record: AcmeKeyRecord = { id: keyId(caId, thumbprint), projectId, accountId, createdAt: new Date().toISOString() };
    try {
      await putNew('AKEY', record);
      return true;
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
    // A released key (after a key change) may be taken again.
    try {
      await updateRecord('AKEY', projectId, record.id, { accountId, released: undefined, createdAt: record.createdAt }, { field: 'released', in: ['true'] });
      return true;
    } catch (e) {
      if (e instanceof StaleRecordError) return false;
      throw e;
    }
  },
  release: (projectId: string, caId: string, thumbprint: string, accountId: string) =>
    updateRecord('AKEY', projectId, keyId(caId, thumbprint), { released: 'true' }, { field: 'accountId', in: [accountId] }).then(() => undefined),
};

export const eabKeys = {
  create: (e: EabRecord) => putNew('EAB', e),
  get: (projectId: string, kid: string) => getRecord<EabRecord>('EAB', projectId, kid),
  /** Single use: only an unused key binds (StaleRecordError otherwise). */
  bind: (projectId: string, kid: string, accountId: string) => updateRecord<EabRecord>('EAB', projectId, kid, { status: 'bound', accountId, sealedHmacKey: undefined }, { field: 'status', in: ['unused'] }),
  list: (projectId: string, limit: number, marker?: string, where?: (e: EabRecord) => boolean): Promise<Page<EabRecord>> =>
    listRecords<EabRecord>('EAB', projectId, { limit, marker, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
};

export const acmeOrders = {
  create: (o: AcmeOrderRecord) => putNew('ORDER', o),
  get: (projectId: string, id: string) => getRecord<AcmeOrderRecord>('ORDER', projectId, id),
  update: (projectId: string, id: string, fields: Partial<AcmeOrderRecord>, whenStatus?: readonly AcmeOrderRecord['status'][]) =>
    updateRecord<AcmeOrderRecord>('ORDER', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
  list: (projectId: string, limit: number, marker?: string, where?: (o: AcmeOrderRecord) => boolean): Promise<Page<AcmeOrderRecord>> =>
    listRecords<AcmeOrderRecord>('ORDER', projectId, { limit, marker, where: where as ((i: Record<string, unknown>) => boolean) | undefined }),
};

export const acmeAuthorizations = {
  create: (a: AcmeAuthzRecord) => putNew('AUTHZ', a),
  get: (projectId: string, id: string) => getRecord<AcmeAuthzRecord>('AUTHZ', projectId, id),
  update: (projectId: string, id: string, fields: Partial<AcmeAuthzRecord>, whenStatus?: readonly AcmeAuthzRecord['status'][]) =>
    updateRecord<AcmeAuthzRecord>('AUTHZ', projectId, id, fields, whenStatus && { field: 'status', in: whenStatus }),
};

/**
 * A nonce is redeemed once. Its expiry is in the nonce itself (HMAC-protected, checked before), so
 * the item is kept only for DynamoDB's TTL to remove.
 */
export const redeemNonce = (projectId: string, nonce: string, expiresAt: Date): Promise<boolean> => redeemOnce('NONCE', projectId, nonce, Math.ceil(expiresAt.getTime() / 1000));
