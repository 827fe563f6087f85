/**
 * Single-table layout. Every key starts with the owning project, so a lookup with another
 * project's id simply finds nothing: tenancy is enforced by the key, not by a filter.
 *   pk = P#<project>   sk = CA#<id> | JOB#<id> | CERT#<id> | CTR#<id> | EVT#<time-ordered id>
 *                      | CRL#<crlId> (crlId = <caId>[.g<n>]: a CA key generation's current CRL, its head item)
 *                      | CRLC#<crlId>#<set>#<i> (a large CRL's DER in chunks of at most 300 KB; the head names its set)
 *                      | REV#<crlId>#<serial> (one revocation on that CRL, worker-only: a CRL is built from these, paged)
 *                      | OCSP#<caId>:<serial> (pre-signed responses)
 *                      | ACCT#<id> | AKEY#<caId>:<jwk thumbprint> | EAB#<kid> | ORDER#<id> | AUTHZ#<id> (ACME)
 *                      | ENROLL#<id> (enrollment of Keystone user certificates, project `system`)
 *   pk = H#<project>   sk = HOOK#webhook        (the project's webhook: the API may delete only here)
 *   pk = N#<project>   sk = NONCE#<nonce>       (a redeemed ACME nonce; `ttl`)
 *   pk = J#<project>   sk = JTI#<caId>:<jti>    (a used enrollment JWS id, project `system`; `ttl`)
 *                      DynamoDB deletes an item once its `ttl` passes, so no front end may name `ttl` in a
 *                      `P#` partition (a past one would erase a CA, a revocation, a CRL): the items a front end
 *                      gives a `ttl` live in partitions of their own (N#, J#, TOK#). Before, nonces and JWS ids
 *                      were under P#: lib/store/redeemOnce.ts still looks there until those have expired.
 *   pk = TOK#<sha256 of a token>   sk = TOKEN   (a Keystone validation shared by the API functions; never
 *                      the token; `ttl`; the only items the API may PutItem: no worker attribute lives there)
 *   gsi1pk = P#<project>#CA#<caId>   gsi1sk = CERT#<id>     (certificates of one CA)
 *   gsi2pk = RENEW#<yyyy-mm-dd>       gsi2sk = <renewAt>#<project>#<id>  (renewals due that day; sparse)
 *   gsi2pk = EXPIRE#<yyyy-mm-dd>      gsi2sk = <notifyAt>#<project>#<id> (EXP# items: expiry notices due)
 *   gsi2pk = ISSUING#<yyyy-mm-dd>     gsi2sk = <sweepAt>#<project>#<id>  (ENROLL# items gone `issuing`, checked after a grace period)
 *   gsi3pk = P#<project>#STATUS#<status>  gsi3sk = CERT#<id>  (certificates by status: every write of a status moves it)
 *
 * Certificate search (GET /v1/certificates filters, lib/store/search): lookup items beside each
 * certificate in its own project partition, `sk = <kind>#<value>#<certId>`, holding no data:
 *   SAN#<DNS:reversed labels | IP:addr | email:addr>#<certId>  (`DNS:org.example.www`: a suffix is a begins_with)
 *   SERIAL#<normalised hex>#<certId>     NOTAFTER#<ISO notAfter>#<certId> (a range: BETWEEN)
 *   PROFILE#<profile>#<certId>
 * Names and profile are written with the request (the API knows them; the worker signs exactly
 * those), serial and notAfter by the worker once it signed (a retry or a resumed record: all of them
 * again), all with UpdateItem (idempotent). A
 * search reads the certificate an item names in the same partition and checks every filter on it,
 * so an item can never lead to another project's certificate, and a forged or stale one finds
 * nothing. Status changes, so it is a sparse GSI key rewritten with the status instead. Certificates
 * written before these keys existed have none: they are found by search only once re-written
 * (status: at their next status change; names, serial, expiry: not until re-issued).
 */
export type Kind = 'CA' | 'JOB' | 'CERT' | 'CTR' | 'EVT' | 'CRL' | 'CRLC' | 'REV' | 'OCSP' | 'HOOK' | 'EXP' | 'ENROLL' | 'JTI' | AcmeKind;
/** ACME: accounts, their keys (`<caId>:<thumbprint>`), EAB keys, orders, authorizations, redeemed nonces. */
export type AcmeKind = 'ACCT' | 'AKEY' | 'EAB' | 'ORDER' | 'AUTHZ' | 'NONCE';

export const pk = (projectId: string) => `P#${projectId}`;
export const sk = (kind: Kind, id: string) => `${kind}#${id}`;
/** The front ends' single-use markers, the only project items they may give a `ttl` (IAM denies it under P#). */
export const NONCE_PARTITION_PREFIX = 'N#';
export const JTI_PARTITION_PREFIX = 'J#';
/** Kinds in partitions of their own: webhooks (`H#`, the only items the API role may delete), nonces and JWS ids. */
const OWN_PARTITION: Partial<Record<Kind, string>> = { HOOK: 'H#', NONCE: NONCE_PARTITION_PREFIX, JTI: JTI_PARTITION_PREFIX };
export const key = (projectId: string, kind: Kind, id: string) => ({ pk: `${OWN_PARTITION[kind] ?? 'P#'}${projectId}`, sk: sk(kind, id) });
/** The shared token validation cache's partitions, outside every project's (lib/store/tokenValidations.ts). */
export const TOKEN_CACHE_PARTITION_PREFIX = 'TOK#';
export const tokenCacheKey = (fingerprint: string) => ({ pk: `${TOKEN_CACHE_PARTITION_PREFIX}${fingerprint}`, sk: 'TOKEN' });
export const caIndexKey = (projectId: string, caId: string) => `P#${projectId}#CA#${caId}`;
export const CA_INDEX = 'gsi1';
export const RENEW_INDEX = 'gsi2';
export const STATUS_INDEX = 'gsi3';
/** The status index entry of a certificate: written with every status it takes. */
export const statusPartition = (projectId: string, status: string) => `P#${projectId}#STATUS#${status}`;
export const statusKeys = (projectId: string, id: string, status: string) => ({ gsi3pk: statusPartition(projectId, status), gsi3sk: `CERT#${id}` });
/** The renewal index entry of a certificate due at `renewAt` (ISO time). */
export const renewKeys = (renewAt: string, projectId: string, id: string) => ({ gsi2pk: `RENEW#${renewAt.slice(0, 10)}`, gsi2sk: `${renewAt}#${projectId}#${id}` });
/** CRLs are re-signed from `refreshAt` on (half their validity): their own buckets in the same index. */
export const refreshKeys = (refreshAt: string, projectId: string, id: string) => ({ gsi2pk: `REFRESH#${refreshAt.slice(0, 10)}`, gsi2sk: `${refreshAt}#${projectId}#${id}` });
/**
 * The CRL record of one key generation: the CA id for the generation at the unsuffixed URL, else
 * `<caId>.<name>` (`name` = `g<n>`, as in its URL). The CA id is what comes before the dot.
 */
export const crlRecordId = (caId: string, name?: string) => (name ? `${caId}.${name}` : caId);
/** A revocation item's id (after `REV#`), and a CRL chunk's (after `CRLC#`; `i` padded, so they sort in order). */
export const revocationId = (crlId: string, serial: string) => `${crlId}#${serial}`;
export const crlChunkId = (crlId: string, set: string, i: number) => `${crlId}#${set}#${String(i).padStart(4, '0')}`;
export const caIdOfCrlRecord = (id: string) => id.split('.')[0];
/** The same index holds expiry notices, in their own day buckets. */
export const expiryKeys = (notifyAt: string, projectId: string, id: string) => ({ gsi2pk: `EXPIRE#${notifyAt.slice(0, 10)}`, gsi2sk: `${notifyAt}#${projectId}#${id}` });

/**
 * An enrollment that goes `issuing` enters the index in the same write, due this long after: the
 * scheduler then makes sure its certificate and job exist (the front end may have stopped before
 * writing them). Far beyond any front end's timeout, so a live request is never raced.
 */
export const ISSUING_GRACE_MS = 10 * 60_000;
export const issuingKeys = (now: Date, projectId: string, id: string) => {
  const sweepAt = new Date(now.getTime() + ISSUING_GRACE_MS).toISOString();
  return { gsi2pk: `ISSUING#${sweepAt.slice(0, 10)}`, gsi2sk: `${sweepAt}#${projectId}#${id}` };
};

/** Strips the storage keys from an item read back. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, gsi2pk: _g3, gsi2sk: _g4, gsi3pk: _g5, gsi3sk: _g6, ...rest } = item;
  return rest as T;
}
