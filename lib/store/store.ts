import type { EnrollmentRecord } from './enrollmentTypes.js';
import type { CertificateFilters } from './search/plan.js';
import type { PointerKind } from './search/entries.js';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeOrderRecord } from './acmeTypes.js';
import type { CaRecord, CertificateRecord, ContainerRecord, CrlHead, CrlPartitionHead, CrlRecord, RevocationRecord, DueEntry, DueRenewal, EventRecord, ExpiryNoticeRecord, JobRecord, OcspRecord, Page, RenewalClaim } from './types.js';

/**
 * The storage authority as the worker sees it: typed repositories, every read scoped to a
 * project and bound to the key it was read under. Two implementations: DynamoDB (`dynamoStore`)
 * and in memory (`memoryStore`, for unit tests of the worker). Conditional writes throw
 * StaleRecordError when the record is not in the state the caller expected.
 */
export interface Repository<T extends { status: string }> {
  get(projectId: string, id: string): Promise<T | undefined>;
  create(record: T): Promise<void>;
  update(projectId: string, id: string, fields: Partial<T>, whenStatus?: readonly T['status'][]): Promise<T>;
}

/** A claim on a record: the one delivery that may sign for it, until the lease runs out. */
export interface Claim {
  token: string;
  /** ISO time after which another delivery may take the claim over (the holder crashed). */
  until: string;
}

export interface Claimable<T extends { status: string }> {
  /**
   * Takes the claim if the record is in one of `whenStatus` and nobody holds an unexpired claim
   * (or `claim.token` already holds it). StaleRecordError when another delivery holds it.
   */
  claim(projectId: string, id: string, claim: Claim, now: Date, whenStatus: readonly T['status'][]): Promise<T>;
  /** Writes only while `token` holds the claim (StaleRecordError otherwise); `release` clears it. */
  updateClaimed(projectId: string, id: string, token: string, fields: Partial<T>, release?: boolean): Promise<T>;
}

export interface Store {
  cas: Repository<CaRecord> & Claimable<CaRecord>;
  jobs: Repository<JobRecord>;
  certificates: Repository<CertificateRecord> &
    Claimable<CertificateRecord> & {
      /** The worker's own record of a revocation it put on a CRL; only for a revoked certificate, updatedAt unchanged. */
      recordCrlRevocation(projectId: string, id: string, fields: Pick<CertificateRecord, 'crlRevokedAt' | 'crlRevocationReason'>): Promise<void>;
      /** One page of the project's certificates, or of one CA's (the CA index). */
      list(projectId: string, limit: number, marker?: string, caId?: string): Promise<Page<CertificateRecord>>;
      /** One page of the project's certificates matching every filter, served from an index (lib/store/search). */
      search(projectId: string, filters: CertificateFilters, limit: number, marker?: string): Promise<Page<CertificateRecord>>;
      /** Writes its lookup items for what the record holds, of every kind or only `kinds` (the worker, once it signed: SIGNED_POINTER_KINDS). */
      index(cert: CertificateRecord, kinds?: readonly PointerKind[]): Promise<void>;
    };
  containers: Repository<ContainerRecord>;
  crls: {
    /** By record id (crlRecordId: one CRL per CA key generation): the head, without a chunked DER. */
    get(projectId: string, id: string): Promise<CrlRecord | undefined>;
    /** Its DER, in the head or put together from its chunks (CrlIncompleteError if they are not all there). */
    der(crl: CrlRecord): Promise<Buffer>;
    /**
     * Only over an older CRL (CRL numbers never go back; StaleRecordError); due for re-signing at
     * `refreshAt`, if given. `replaces`: the head read before, whose chunks then expire.
     */
    put(crl: CrlHead, der: Buffer, refreshAt?: string, replaces?: CrlRecord): Promise<void>;
    /** The partitions of CRL `crlId` published so far (heads `<crlId>.p<day>`): record ids and window ends. */
    partitions(projectId: string, crlId: string): Promise<CrlPartitionHead[]>;
  };
  /** The worker's records of the revocations on each CRL, one item each (worker-only). */
  revocations: {
    /** Records a revocation on `crlId`'s CRLs; the first record stays (false when there was one). */
    record(r: RevocationRecord): Promise<boolean>;
    /** One page of them, by serial. */
    list(projectId: string, caId: string, crlId: string, limit: number, marker?: string): Promise<Page<RevocationRecord>>;
  };
  ocspResponses: {
    get(projectId: string, caId: string, serial: string): Promise<OcspRecord | undefined>;
    /** Never over a newer response (thisUpdate). */
    put(r: OcspRecord): Promise<void>;
  };
  events: {
    append(event: EventRecord): Promise<void>;
    /** Several in one request (BatchWriteItem: the worker's only); throws if any was not written. */
    appendAll(events: EventRecord[]): Promise<void>;
    list(projectId: string, limit: number, marker?: string, where?: (e: EventRecord) => boolean): Promise<Page<EventRecord>>;
  };
  renewals: {
    /** Puts an issued certificate in the renewal index, due at `renewAt` (any renewal claim dropped). */
    schedule(projectId: string, id: string, renewAt: string, failures?: number): Promise<void>;
    /** What the index says is due at `now` (the scheduler's query). */
    due(now: Date): Promise<DueRenewal[]>;
    /**
     * Claims a due, issued certificate's renewal before its successor is written: only if no run
     * holds a claim (or, to take over from a run that stopped, the claim is still `seen`).
     * StaleRecordError when another run (or a revocation) got there first.
     */
    claim(due: DueRenewal, claim: RenewalClaim, seen?: RenewalClaim): Promise<void>;
    /** The successor of `claim` is written and queued: the certificate is renewed by it and leaves the index. */
    finish(due: DueRenewal, claim: RenewalClaim): Promise<void>;
    /** Drops a certificate from the index (revoked, or no longer renewable). */
    unschedule(projectId: string, id: string): Promise<void>;
  };
  /** What the worker reads of ACME before it signs for an order, and the order's outcome it writes. */
  acme: {
    accounts: { get(projectId: string, id: string): Promise<AcmeAccountRecord | undefined> };
    orders: Pick<Repository<AcmeOrderRecord>, 'get' | 'update'>;
    authorizations: { get(projectId: string, id: string): Promise<AcmeAuthzRecord | undefined> };
  };
  /**
   * What the worker reads of an enrollment before it signs a Keystone user certificate; what the
   * scheduler needs to find one left `issuing` without its certificate request (`create`: tests).
   */
  enrollments: {
    get(projectId: string, id: string): Promise<EnrollmentRecord | undefined>;
    /** A new enrollment; one made `issuing` enters the sweep index, as `advance` to `issuing` does. */
    create(e: EnrollmentRecord): Promise<void>;
    /** Enrollments gone `issuing` more than ISSUING_GRACE_MS before `now`, not checked since. */
    dueIssuing(now: Date): Promise<DueEntry[]>;
    /** Out of the sweep index if still at `seenAt`; false when another run took it. */
    settleIssuing(projectId: string, id: string, seenAt: string): Promise<boolean>;
  };
  expiryNotices: {
    /** Schedules (or moves, if `seenNotifyAt` is still the one stored) a certificate's next expiry notice. */
    put(n: ExpiryNoticeRecord, seenNotifyAt?: string): Promise<boolean>;
  };
}
