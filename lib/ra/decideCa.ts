import { badRequest, conflict } from '../errors/index.js';
import type { CaRecord } from '../store/index.js';

/**
 * Whether `parent` may sign a new intermediate with the requested path length, and the path
 * length it gets (absent: one less than the parent's, when the parent has one). Pure; the API
 * calls it to answer at once, the worker again before the parent's key signs.
 */
export function decideSubordinate(parent: Pick<CaRecord, 'id' | 'status' | 'notAfter' | 'pathLen'>, requestedPathLen: number | undefined, now: Date): { pathLen?: number } {
  if (parent.status !== 'active' || !parent.notAfter) throw conflict('CA_NOT_ACTIVE', `CA ${parent.id} is ${parent.status}; wait for its job to succeed.`);
  if (Date.parse(parent.notAfter) <= now.getTime()) throw conflict('CA_EXPIRED', `CA ${parent.id} expired at ${parent.notAfter}.`);
  if (parent.pathLen === undefined) return requestedPathLen === undefined ? {} : { pathLen: requestedPathLen };
  if (parent.pathLen === 0) throw badRequest('PATH_LEN_EXCEEDED', `CA ${parent.id} has path_len 0: it may not sign intermediate CAs.`, { field: 'parent_ca_id' });
  const pathLen = requestedPathLen ?? parent.pathLen - 1;
  if (pathLen > parent.pathLen - 1) throw badRequest('PATH_LEN_EXCEEDED', `Under CA ${parent.id} (path_len ${parent.pathLen}) path_len can be at most ${parent.pathLen - 1}.`, { field: 'path_len' });
  return { pathLen };
}
