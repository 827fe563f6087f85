import { AppError } from '../../lib/errors/index.js';

/** `"<status> <code>"` of the AppError `f` throws, or `accepted` when it throws nothing. */
export function refusalOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'accepted';
}
