/**
 * Single-table layout. Every key starts with the owning project, so a lookup with another
 * project's id simply finds nothing: tenancy is enforced by the key, not by a filter.
 *   pk = P#<project>   sk = CA#<id> | JOB#<id> | CERT#<id> | CTR#<id> | EVT#<time-ordered id>
 *                      | CRL#<caId> (the CA's current CRL) | OCSP#<caId>:<serial> (pre-signed responses)
 *   gsi1pk = P#<project>#CA#<caId>   gsi1sk = CERT#<id>     (certificates of one CA)
 */
export type Kind = 'CA' | 'JOB' | 'CERT' | 'CTR' | 'EVT' | 'CRL' | 'OCSP';

export const pk = (projectId: string) => `P#${projectId}`;
export const sk = (kind: Kind, id: string) => `${kind}#${id}`;
export const key = (projectId: string, kind: Kind, id: string) => ({ pk: pk(projectId), sk: sk(kind, id) });
export const caIndexKey = (projectId: string, caId: string) => `P#${projectId}#CA#${caId}`;
export const CA_INDEX = 'gsi1';

/** Strips the storage keys from an item read back. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}
