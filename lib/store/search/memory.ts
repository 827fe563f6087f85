import { fromItem } from '../keys.js';
import type { CertificateRecord } from '../types.js';
import { POINTER_KINDS, pointerSortKeys, type PointerKind } from './entries.js';
import type { IndexReader } from './engine.js';
import { inRange } from './plan.js';

type Item = Record<string, unknown>;
/** The in-memory store's items by `<kind>|<project>|<id>` (memory.ts keyOf). */
type Items = Map<string, Item>;

const split = (k: string) => {
  const [kind, projectId] = k.split('|', 2);
  return { kind, projectId, id: k.slice(kind.length + projectId.length + 2) };
};
const isPointerKind = (kind: string): kind is PointerKind => (POINTER_KINDS as readonly string[]).includes(kind);

/**
 * The search's view of the in-memory store, as DynamoDB's indexes would answer: lookup items
 * (stored as items of their kind, id `<value>#<certId>`) by sort key; the CA and status indexes
 * from the certificates' own fields (their keys are rewritten with every write there).
 */
export function memoryReader(raw: Items): IndexReader {
  return {
    async read(projectId, driver, after, limit) {
      const entries: Array<{ sortKey: string; record?: CertificateRecord }> = [];
      for (const [k, item] of raw) {
        const { kind, projectId: p, id } = split(k);
        if (p !== projectId) continue;
        if (driver.index === 'pointer') {
          if (isPointerKind(kind)) entries.push({ sortKey: `${kind}#${id}` });
          continue;
        }
        if (kind !== 'CERT') continue;
        const record = fromItem<CertificateRecord>(structuredClone(item));
        if (driver.index === 'ca' && !driver.partition.endsWith(`#CA#${record.caId}`)) continue;
        if (driver.index === 'status' && !driver.partition.endsWith(`#STATUS#${record.status}`)) continue;
        entries.push({ sortKey: `CERT#${id}`, record });
      }
      const ordered = entries.filter((e) => inRange(driver.range, e.sortKey) && (after === undefined || e.sortKey > after)).sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1));
      return { entries: ordered.slice(0, limit), more: ordered.length > limit };
    },
    async get(projectId, ids) {
      const found = new Map<string, CertificateRecord>();
      for (const id of ids) {
        const item = raw.get(`CERT|${projectId}|${id}`);
        if (item) found.set(id, fromItem<CertificateRecord>(structuredClone(item)));
      }
      return found;
    },
  };
}

/** Writes a certificate's lookup items, as indexCertificateDynamo does. */
export function indexInMemory(raw: Items, c: CertificateRecord, kinds?: readonly PointerKind[]): void {
  for (const sk of pointerSortKeys(c, kinds)) {
    const kind = sk.slice(0, sk.indexOf('#'));
    raw.set(`${kind}|${c.projectId}|${sk.slice(kind.length + 1)}`, { projectId: c.projectId, certificateId: c.id });
  }
}
