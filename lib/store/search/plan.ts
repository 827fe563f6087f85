import { caIndexKey, pk, statusPartition } from '../keys.js';
import type { CertificateRecord, CertificateStatus } from '../types.js';
import { comparableSerial, indexValues, pointerSortKey, profileOf, reverseLabels, sanIndexValue, type PointerKind } from './entries.js';

/** What `GET /v1/certificates` may filter by, already normalised (lib/requests/certificateFilters.ts). */
export interface CertificateFilters {
  caId?: string;
  /** One SAN exactly, as records hold them: `DNS:www.example.org`, `IP:10.0.0.1`, `email:a@b.c`. */
  san?: string;
  /** A DNS name: certificates with a DNS name ending in `.<sanSuffix>` (the name itself does not match). */
  sanSuffix?: string;
  /** normaliseSerialHex. */
  serial?: string;
  status?: CertificateStatus;
  /** ISO times as toISOString writes them; both bounds are exclusive. */
  expiresBefore?: string;
  expiresAfter?: string;
  profile?: string;
}

export type SearchRange = { prefix: string } | { from: string; to: string };

/**
 * The one index a search reads in order (its "driver"); every other filter is checked on the
 * certificates it yields. `table`: the project's CERT# items; `ca`: gsi1; `status`: gsi3;
 * `pointer`: lookup items in the project partition, resolved to the certificate they name.
 */
export interface Driver {
  index: 'table' | 'ca' | 'status' | 'pointer';
  /** The partition key value queried. */
  partition: string;
  range: SearchRange;
  /**
   * Where a certificate sits in this order: its first sort key in the range (undefined: none).
   * An entry is taken only at that position, so a certificate with several names under one
   * suffix is listed once, and a lookup item that names a certificate without that value is ignored.
   */
  position(c: CertificateRecord): string | undefined;
}

export interface SearchPlan {
  driver: Driver;
  matches(c: CertificateRecord): boolean;
}

export const inRange = (range: SearchRange, sortKey: string) => ('prefix' in range ? sortKey.startsWith(range.prefix) : sortKey >= range.from && sortKey <= range.to);

function pointerDriver(projectId: string, kind: PointerKind, range: SearchRange): Driver {
  return {
    index: 'pointer',
    partition: pk(projectId),
    range,
    position: (c) =>
      indexValues(c)
        [kind].map((v) => pointerSortKey(kind, v, c.id))
        .filter((k) => inRange(range, k))
        .sort()[0],
  };
}

function gsiDriver(index: 'table' | 'ca' | 'status', partition: string): Driver {
  return { index, partition, range: { prefix: 'CERT#' }, position: (c) => `CERT#${c.id}` };
}

/** The most selective filter given picks the index; the order below is roughly by selectivity. */
function driverFor(projectId: string, f: CertificateFilters): Driver {
  if (f.serial) return pointerDriver(projectId, 'SERIAL', { prefix: `SERIAL#${f.serial}#` });
  if (f.san) return pointerDriver(projectId, 'SAN', { prefix: `SAN#${sanIndexValue(f.san)}#` });
  if (f.sanSuffix) return pointerDriver(projectId, 'SAN', { prefix: `SAN#DNS:${reverseLabels(f.sanSuffix)}.` });
  // `~` sorts after every digit: no upper bound. Bounds are exclusive; BETWEEN is not, matches() decides.
  if (f.expiresBefore || f.expiresAfter) return pointerDriver(projectId, 'NOTAFTER', { from: `NOTAFTER#${f.expiresAfter ?? ''}`, to: `NOTAFTER#${f.expiresBefore ?? '~'}` });
  if (f.status) return gsiDriver('status', statusPartition(projectId, f.status));
  if (f.profile) return pointerDriver(projectId, 'PROFILE', { prefix: `PROFILE#${f.profile}#` });
  if (f.caId) return gsiDriver('ca', caIndexKey(projectId, f.caId));
  return gsiDriver('table', pk(projectId));
}

/** Every filter, checked on the certificate itself (never trusting the index entry that led to it). */
export function matchesFilters(c: CertificateRecord, f: CertificateFilters): boolean {
  const notAfter = c.notAfter ? new Date(c.notAfter).toISOString() : undefined;
  return (
    (!f.caId || c.caId === f.caId) &&
    (!f.san || c.sans.includes(f.san)) &&
    (!f.sanSuffix || c.sans.some((s) => s.startsWith('DNS:') && s.endsWith(`.${f.sanSuffix}`))) &&
    (!f.serial || comparableSerial(c.serial) === f.serial) &&
    (!f.status || c.status === f.status) &&
    (!f.expiresBefore || (notAfter !== undefined && notAfter < f.expiresBefore)) &&
    (!f.expiresAfter || (notAfter !== undefined && notAfter > f.expiresAfter)) &&
    (!f.profile || profileOf(c) === f.profile)
  );
}

export function planSearch(projectId: string, filters: CertificateFilters): SearchPlan {
  return { driver: driverFor(projectId, filters), matches: (c) => matchesFilters(c, filters) };
}
