import { assertBound, isBound } from './binding.js';
import { crlChunkId, fromItem, issuingKeys, renewKeys, revocationId } from './keys.js';
import { readCrlDer, writeCrl, type CrlItems } from './crlChunks.js';
import { assertItemFits } from './itemSize.js';
import type { ReasonCode } from '../x509/index.js';
import { ClaimHeldError, StaleRecordError } from './records.js';
import { searchCertificates } from './search/engine.js';
import { indexInMemory, memoryReader } from './search/memory.js';
import type { Claim, Store } from './store.js';
import type { EnrollmentRecord } from './enrollmentTypes.js';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeOrderRecord } from './acmeTypes.js';
import type { CaRecord, CertificateRecord, ContainerRecord, CrlRecord, EventRecord, ExpiryNoticeRecord, JobRecord, OcspRecord, Page, RenewalClaim } from './types.js';

/**
 * The store in memory, with the DynamoDB store's semantics (conditional writes, claims, binding
 * of records to their keys, ordered paging, the sparse scheduling index as `gsi2pk`/`gsi2sk` on
 * the items, left out of records read back), for unit tests of the worker and the scheduler.
 * `raw` exposes the items by key so a test can tamper with them as a compromised writer would.
 */
export interface MemoryStore extends Store {
  raw: Map<string, Record<string, unknown>>;
  /** When each CRL (by keyOf('CRL', …)) is due for re-signing, as the refresh index would say; absent: not scheduled. */
  crlRefreshes: Map<string, string>;
  /** The key an item of `kind` lives under. */
  keyOf(kind: string, projectId: string, id: string): string;
}

type Status = { status: string };
type Item = Record<string, unknown>;

export function memoryStore(): MemoryStore {
  const raw = new Map<string, Item>();
  const keyOf = (kind: string, projectId: string, id: string) => `${kind}|${projectId}|${id}`;
  const copy = <T>(v: T): T => structuredClone(v);
  const read = <T>(kind: string, projectId: string, id: string): T | undefined => {
    const item = raw.get(keyOf(kind, projectId, id));
    return item ? assertBound(kind, fromItem<T>(copy(item)), projectId, id) : undefined;
  };
  // Every write is held to DynamoDB's item limit, so what works here works there.
  const store = (k: string, item: Item) => {
    assertItemFits(k, item);
    raw.set(k, item);
  };
  const write = (kind: string, record: { projectId: string; id: string }) => store(keyOf(kind, record.projectId, record.id), copy(record) as unknown as Item);
  const create = (kind: string) => async (record: { projectId: string; id: string }) => {
    if (raw.has(keyOf(kind, record.projectId, record.id))) throw new Error(`ConditionalCheckFailed: ${kind} ${record.id} exists`);
    write(kind, record);
  };
  const patch = <T>(kind: string, projectId: string, id: string, fields: Item, ok: (current: Item) => boolean, why: string, touch = true, Stale = StaleRecordError): T => {
    const current = raw.get(keyOf(kind, projectId, id));
    if (!current || !ok(current)) throw new Stale(`${kind} ${id} ${why}`);
    assertBound(kind, current, projectId, id);
    const next: Item = touch ? { ...current, updatedAt: new Date().toISOString() } : { ...current };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) delete next[k];
      else next[k] = copy(v);
    }
    store(keyOf(kind, projectId, id), next);
    return fromItem<T>(copy(next));
  };
  const repository = <T extends Status & { projectId: string; id: string }>(kind: string) => ({
    get: async (projectId: string, id: string) => read<T>(kind, projectId, id),
    create: create(kind) as (r: T) => Promise<void>,
    update: async (projectId: string, id: string, fields: Partial<T>, whenStatus?: readonly T['status'][]) =>
      patch<T>(kind, projectId, id, fields as Item, (c) => !whenStatus || whenStatus.includes(c.status as string), 'is not in an expected state'),
  });
  const claimable = <T extends Status & { projectId: string; id: string }>(kind: string) => ({
    ...repository<T>(kind),
    claim: async (projectId: string, id: string, claim: Claim, now: Date, whenStatus: readonly T['status'][]) =>
      patch<T>(
        kind,
        projectId,
        id,
        { claimToken: claim.token, claimUntil: claim.until },
        (c) => whenStatus.includes(c.status as string) && (c.claimToken === undefined || (c.claimUntil as string) < now.toISOString() || c.claimToken === claim.token),
        'is claimed by another delivery or not in an expected state',
        true,
        ClaimHeldError,
      ),
    updateClaimed: async (projectId: string, id: string, token: string, fields: Partial<T>, release = false) =>
      patch<T>(kind, projectId, id, { ...(fields as Item), ...(release ? { claimToken: undefined, claimUntil: undefined } : {}) }, (c) => c.claimToken === token, 'is not claimed by this delivery'),
  });
  /** Items of a kind in one project, ordered by id, as the table's sort key orders them. */
  const items = <T>(kind: string, projectId: string): T[] =>
    [...raw.entries()]
      .filter(([k]) => k.startsWith(`${kind}|${projectId}|`))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => fromItem<T>(copy(v)))
      .filter((v) => isBound(kind, v, projectId));
  const page = <T extends { id: string }>(all: T[], limit: number, marker?: string, descending = false): Page<T> => {
    const ordered = descending ? [...all].reverse() : all;
    const start = marker ? ordered.findIndex((i) => (descending ? i.id < marker : i.id > marker)) : 0;
    const rest = start < 0 ? [] : ordered.slice(start);
    return rest.length > limit ? { items: rest.slice(0, limit), next: rest[limit - 1].id } : { items: rest };
  };
  const putIfNewer = <T extends { projectId: string; id: string }>(kind: string, record: T, field: keyof T) => {
    const current = raw.get(keyOf(kind, record.projectId, record.id)) as T | undefined;
    if (current && !(current[field] < record[field])) throw new StaleRecordError(`${kind} ${record.id} has a newer version`);
    write(kind, record);
  };

  /** Entries of the scheduling index in `prefix` buckets due at `now`, as the index query finds them. */
  const dueIn = (prefix: string, now: Date) =>
    [...raw.values()]
      .filter((i) => typeof i.gsi2pk === 'string' && i.gsi2pk.startsWith(`${prefix}#`))
      .map((i) => String(i.gsi2sk).split('#'))
      .filter(([at]) => at <= now.toISOString())
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([at, projectId, id]) => ({ at, projectId, id }));
  const unindexed = { gsi2pk: undefined, gsi2sk: undefined };

  const certificates = claimable<CertificateRecord>('CERT');
  const reader = memoryReader(raw);
  const crlRefreshes = new Map<string, string>();
  /** Items by key prefix, in key order (a Query with begins_with on the sort key). */
  const prefixed = (prefix: string) => [...raw.entries()].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const crlItems: CrlItems = {
    putChunk: async (projectId, crlId, set, i, derBase64, ttl) => write('CRLC', { projectId, id: crlChunkId(crlId, set, i), derBase64, ttl } as { projectId: string; id: string }),
    chunks: async (projectId, crlId, set) => prefixed(keyOf('CRLC', projectId, `${crlId}#${set}#`)).map(([, v]) => String(v.derBase64 ?? '')),
    expireChunks: async (projectId, crlId, chunks, ttl) => {
      for (let i = 0; i < chunks.count; i++) {
        const item = raw.get(keyOf('CRLC', projectId, crlChunkId(crlId, chunks.set, i)));
        if (item) item.ttl = ttl;
      }
    },
    putHead: async (crl, refreshAt) => {
      putIfNewer('CRL', crl, 'crlNumber');
      // A CRL written whole (PutItem) keeps no refresh entry it was not given.
      if (refreshAt) crlRefreshes.set(keyOf('CRL', crl.projectId, crl.id), refreshAt);
      else crlRefreshes.delete(keyOf('CRL', crl.projectId, crl.id));
    },
  };
  return {
    raw,
    keyOf,
    crlRefreshes,
    cas: claimable<CaRecord>('CA'),
    jobs: repository<JobRecord>('JOB'),
    certificates: {
      ...certificates,
      create: async (cert) => {
        indexInMemory(raw, cert);
        await certificates.create(cert);
      },
      search: async (projectId, filters, limit, marker) => searchCertificates(reader, projectId, filters, limit, marker),
      index: async (cert, kinds) => indexInMemory(raw, cert, kinds),
      recordCrlRevocation: async (projectId, id, fields) => {
        patch('CERT', projectId, id, fields, (c) => c.status === 'revoked', 'is not revoked', false);
      },
      list: async (projectId, limit, marker, caId) =>
        page(
          // The CA index holds only what was written under this CA; an item naming another CA is left out, as a query's would be.
          items<CertificateRecord>('CERT', projectId).filter((c) => !caId || c.caId === caId),
          limit,
          marker,
        ),
    },
    containers: repository<ContainerRecord>('CTR'),
    crls: {
      get: async (projectId, id) => read<CrlRecord>('CRL', projectId, id),
      der: (crl) => readCrlDer(crlItems, crl),
      put: (crl, der, refreshAt, replaces) => writeCrl(crlItems, crl, der, refreshAt, replaces),
      partitions: async (projectId, crlId) => {
        const prefix = keyOf('CRL', projectId, '');
        return prefixed(keyOf('CRL', projectId, `${crlId}.p`)).map(([k, v]) => ({ id: k.slice(prefix.length), ...(typeof v.coversUntil === 'string' ? { coversUntil: v.coversUntil } : {}) }));
      },
    },
    revocations: {
      record: async (r) => {
        const k = keyOf('REV', r.projectId, revocationId(r.crlId, r.serial));
        if (typeof raw.get(k)?.crlRevokedAt === 'string') return false;
        store(k, copy({ id: revocationId(r.crlId, r.serial), ...r }) as unknown as Item);
        return true;
      },
      // As on DynamoDB: the key says which CRL and serial, the worker's crl* attributes the rest.
      list: async (projectId, caId, crlId, limit, marker) => {
        const prefix = keyOf('REV', projectId, `${crlId}#`);
        const all = prefixed(prefix).filter(([k]) => !marker || k > prefix + marker);
        const items = all.slice(0, limit).flatMap(([k, v]) =>
          typeof v.crlRevokedAt === 'string'
            ? [{ projectId, caId, crlId, serial: k.slice(prefix.length), crlRevokedAt: v.crlRevokedAt, ...(v.crlRevocationReason ? { crlRevocationReason: v.crlRevocationReason as ReasonCode } : {}), ...(v.crlCertificateId ? { crlCertificateId: String(v.crlCertificateId) } : {}) }]
            : [],
        );
        return all.length > limit ? { items, next: all[limit - 1][0].slice(prefix.length) } : { items };
      },
    },
    ocspResponses: {
      get: async (projectId, caId, serial) => read<OcspRecord>('OCSP', projectId, `${caId}:${serial}`),
      put: async (r) => putIfNewer('OCSP', r, 'thisUpdate'),
    },
    events: {
      append: async (e: EventRecord) => create('EVT')(e),
      appendAll: async (list: EventRecord[]) => {
        for (const e of list) await create('EVT')(e);
      },
      list: async (projectId, limit, marker, where) => page(items<EventRecord>('EVT', projectId).filter((e) => !where || where(e)), limit, marker, true),
    },
    renewals: {
      schedule: async (projectId, id, renewAt, failures) => {
        patch('CERT', projectId, id, { renewAt, ...renewKeys(renewAt, projectId, id), renewedBy: undefined, renewalClaim: undefined, ...(failures === undefined ? {} : { renewalFailures: failures }) }, (c) => c.status === 'issued', 'is not issued');
      },
      due: async (now) => dueIn('RENEW', now).map((e) => ({ projectId: e.projectId, id: e.id, renewAt: e.at })),
      claim: async (due, claim, seen) => {
        const held = (c: Item) => (c.renewalClaim as RenewalClaim | undefined)?.at;
        patch('CERT', due.projectId, due.id, { renewalClaim: claim }, (c) => c.renewAt === due.renewAt && c.gsi2pk !== undefined && c.status === 'issued' && held(c) === seen?.at, 'is not in an expected state');
      },
      finish: async (due, claim) => {
        patch('CERT', due.projectId, due.id, { renewedBy: claim.certificateId, renewalClaim: undefined, ...unindexed }, (c) => (c.renewalClaim as RenewalClaim | undefined)?.jobId === claim.jobId, 'is not claimed by this run');
      },
      unschedule: async (projectId, id) => {
        if (raw.has(keyOf('CERT', projectId, id))) patch('CERT', projectId, id, unindexed, () => true, '', false);
      },
    },
    acme: { accounts: repository<AcmeAccountRecord>('ACCT'), orders: repository<AcmeOrderRecord>('ORDER'), authorizations: repository<AcmeAuthzRecord>('AUTHZ') },
    enrollments: {
      get: async (projectId, id) => read<EnrollmentRecord>('ENROLL', projectId, id),
      create: async (e) => {
        await create('ENROLL')(e);
        if (e.status === 'issuing') Object.assign(raw.get(keyOf('ENROLL', e.projectId, e.id))!, issuingKeys(new Date(), e.projectId, e.id));
      },
      dueIssuing: async (now) => dueIn('ISSUING', now),
      settleIssuing: async (projectId, id, seenAt) => {
        const item = raw.get(keyOf('ENROLL', projectId, id));
        if (item?.gsi2sk !== `${seenAt}#${projectId}#${id}`) return false;
        Object.assign(item, unindexed);
        return true;
      },
    },
    expiryNotices: {
      put: async (n: ExpiryNoticeRecord, seen?: string) => {
        const current = raw.get(keyOf('EXP', n.projectId, n.id));
        if (seen && current?.notifyAt !== seen) return false;
        write('EXP', n);
        return true;
      },
    },
  };
}
