import { AppError } from '../errors/index.js';
import { log } from '../log/index.js';

/**
 * Every record is bound to the key it was read under: its `projectId` and `id` fields must be the
 * project and id of that key. A record copied unchanged into another project's partition (what a
 * compromised writer could do) is refused instead of being taken for the other project's.
 */
export class MisboundRecordError extends AppError {
  constructor(kind: string, projectId: string, id: string) {
    super('STORE_RECORD_MISBOUND', 500, `the ${kind} record stored under project ${projectId}, id ${id} names another project or id; it was refused`);
  }
}

/**
 * For lists: an item bound elsewhere is left out (and reported), not the whole list refused, so
 * an item moved into a CA's index cannot stop that CA's CRL from being signed.
 */
export function isBound(kind: string, record: unknown, projectId: string, extra?: Record<string, string>): boolean {
  try {
    assertBound(kind, record, projectId, undefined, extra);
    return true;
  } catch (e) {
    if (!(e instanceof MisboundRecordError)) throw e;
    log.error('misbound record left out of a list', { kind, project: projectId, id: String((record as Record<string, unknown>).id) });
    return false;
  }
}

export function assertBound<T>(kind: string, record: T, projectId: string, id?: string, extra?: Record<string, string>): T {
  const r = record as Record<string, unknown>;
  if (r.projectId !== projectId || (id !== undefined && r.id !== id)) throw new MisboundRecordError(kind, projectId, id ?? String(r.id));
  for (const [field, value] of Object.entries(extra ?? {})) if (r[field] !== value) throw new MisboundRecordError(kind, projectId, String(r.id));
  return record;
}
