import { createHash } from 'node:crypto';

/**
 * How many token validations (GET /v3/auth/tokens) the development Keystone answered, in all and
 * per subject token (by its SHA-256, as the API's caches key it): what the token caches save is
 * measured here (bench/keystoneCalls.ts, test/integration/tokenSharedCache.test.ts).
 * Served at GET /_dev/token-validations[?subject_sha256=<hex>]; development only.
 */
export interface ValidationCounter {
  count(subjectToken: string): void;
  /** All validations, or those of one subject token. */
  validations(subjectToken?: string): number;
  /** The debug endpoint's answer. */
  answer(query: URLSearchParams): { total: number; subject?: number };
}

export const subjectSha256 = (token: string) => createHash('sha256').update(token).digest('hex');

export function createValidationCounter(): ValidationCounter {
  let total = 0;
  const bySubject = new Map<string, number>();
  const of = (sha: string) => bySubject.get(sha) ?? 0;
  return {
    count(subjectToken) {
      total++;
      const sha = subjectSha256(subjectToken);
      bySubject.set(sha, of(sha) + 1);
    },
    validations: (subjectToken) => (subjectToken === undefined ? total : of(subjectSha256(subjectToken))),
    answer(query) {
      const sha = query.get('subject_sha256');
      return sha ? { total, subject: of(sha.toLowerCase()) } : { total };
    },
  };
}
