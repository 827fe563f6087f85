import { badRequest } from '../../errors/index.js';
import { log } from '../../log/index.js';
import { isBound } from '../binding.js';
import type { CertificateRecord, Page } from '../types.js';
import { certificateIdOf } from './entries.js';
import { planSearch, type CertificateFilters, type Driver } from './plan.js';

/** One index entry as read: its sort key, and the certificate itself when the index projects it. */
export interface IndexEntry {
  sortKey: string;
  record?: CertificateRecord;
}

/** What a store gives the search: ordered reads of one index, and certificates by id. */
export interface IndexReader {
  /** At most `limit` entries of the driver's range after `after` (exclusive), in order; `more` when the range may go on. */
  read(projectId: string, driver: Driver, after: string | undefined, limit: number): Promise<{ entries: IndexEntry[]; more: boolean }>;
  /** The project's certificates of these ids (those that do not exist left out), unchecked. */
  get(projectId: string, ids: string[]): Promise<Map<string, CertificateRecord>>;
}

/**
 * Index entries one page may read: filters checked on the certificates can drop many, and each
 * lookup item costs a read. Past it the page ends early, with a `next` link from where it stopped.
 */
export const SEARCH_MAX_EXAMINED = 1000;
/** Entries read per round (at least; a page asks for one more than its limit, to know a next exists). */
const MIN_BATCH = 25;

/** Where a page after `marker` starts: after the marker's position in the driver's order. */
async function startAfter(reader: IndexReader, projectId: string, driver: Driver, marker: string): Promise<string> {
  if (driver.index !== 'pointer') return `CERT#${marker}`;
  const c = (await reader.get(projectId, [marker])).get(marker);
  const position = c && isBound('CERT', c, projectId) ? driver.position(c) : undefined;
  if (!position) throw badRequest('QUERY_INVALID', '"marker" must be the id of a certificate from the previous page of the same search (use the `next` link).', { field: 'marker' });
  return position;
}

/**
 * One page of a project's certificates matching `filters`, ordered by the driver index,
 * OpenStack-style limit/marker (the marker is a certificate id). Reads on until the page is full,
 * the index ends or SEARCH_MAX_EXAMINED entries were read.
 */
export async function searchCertificates(reader: IndexReader, projectId: string, filters: CertificateFilters, limit: number, marker?: string): Promise<Page<CertificateRecord>> {
  const { driver, matches } = planSearch(projectId, filters);
  let after = marker ? await startAfter(reader, projectId, driver, marker) : undefined;
  const found: CertificateRecord[] = [];
  let examined = 0;
  /** The last certificate met at its own position: where the next page can start from. */
  let lastPlaced: string | undefined;
  for (;;) {
    const { entries, more } = await reader.read(projectId, driver, after, Math.max(limit + 1, MIN_BATCH));
    // Entries of an index that holds only keys (lookup items, the status index) are read from the table.
    const bare = entries.filter((e) => !e.record);
    const pointed = bare.length ? await reader.get(projectId, [...new Set(bare.map((e) => certificateIdOf(e.sortKey)))]) : undefined;
    for (const entry of entries) {
      examined++;
      after = entry.sortKey;
      const c = entry.record ?? pointed?.get(certificateIdOf(entry.sortKey));
      if (!c || !isBound('CERT', c, projectId) || driver.position(c) !== entry.sortKey) continue;
      lastPlaced = c.id;
      if (!matches(c)) continue;
      found.push(c);
      if (found.length > limit) return { items: found.slice(0, limit), next: found[limit - 1].id };
    }
    if (!more || entries.length === 0) return { items: found };
    if (examined >= SEARCH_MAX_EXAMINED) {
      log.info('certificate search page ended at its read limit', { project: projectId, index: driver.index, examined });
      return lastPlaced ? { items: found, next: lastPlaced } : { items: found };
    }
  }
}
