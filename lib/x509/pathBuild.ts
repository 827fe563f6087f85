/**
 * Path building for an uploaded external CA certificate (RFC 5280 6.1, for what the service relies
 * on): from the certificate upward through the bundle, issuer name = subject name, the authority
 * key identifier preferring the issuer whose subject key identifier matches, the signature
 * deciding, whatever the order of the bundle; every path must end in a self-signed root.
 */
import { badRequest, type AppError } from '../errors/index.js';
import type { Cert } from './certificateReader.js';
import { namesIssuer, signedBy, validAt } from './chain.js';
import { invalid, q } from './pathValidate.js';

/** Certificates in a path, the uploaded one and the root included. */
export const MAX_PATH_LENGTH = 8;
/** Complete candidate paths tried (cross-certificates make several) before giving up. */
const MAX_PATHS = 16;
/** Path-building steps (certificates tried as the next issuer), bounding the search whatever the bundle. */
const MAX_STEPS = 256;

/**
 * Every path from `start` up to a self-signed root through the pool, best candidates first:
 * matching key identifiers, valid now, marked as a CA. Only links whose signature verifies are
 * followed. When no path completes, the error found deepest along the way explains why.
 */
export function buildPaths(start: Cert, pool: Cert[], now: number): { paths: Cert[][]; error?: AppError } {
  const paths: Cert[][] = [];
  let deepest: { depth: number; error: AppError } | undefined;
  const note = (depth: number, error: AppError) => {
    if (!deepest || depth > deepest.depth) deepest = { depth, error };
  };

  let steps = 0;
  const walk = (path: Cert[]) => {
    if (paths.length >= MAX_PATHS || ++steps > MAX_STEPS) return;
    const cur = path[path.length - 1];
    const link = path.length;
    if (cur.selfIssued && signedBy(cur, cur)) {
      if (link === 1) note(link, invalid(link, cur, 'is self-signed: upload the certificate your external CA issued for the CSR.'));
      else paths.push(path);
      return;
    }
    if (link >= MAX_PATH_LENGTH) {
      note(link, invalid(link, cur, `is still not a root after ${MAX_PATH_LENGTH} certificates; the path is too long.`));
      return;
    }
    const candidates = pool.filter((c) => !path.includes(c) && namesIssuer(cur, c));
    if (!candidates.length) {
      if (cur.selfIssued && link > 1) {
        note(link, invalid(link, cur, 'is the root of the path, but its self-signature does not verify.'));
      } else {
        note(
          link,
          badRequest('CHAIN_INCOMPLETE', `link ${link}: the bundle has no certificate for "${cur.issuer}", the issuer of ${q(cur)}; include every intermediate up to and including the root.`, {
            link,
            subject: cur.subject,
            issuer: cur.issuer,
          }),
        );
      }
      return;
    }
    const score = (c: Cert) =>
      (cur.authorityKeyId && c.subjectKeyId ? (cur.authorityKeyId.equals(c.subjectKeyId) ? 4 : 0) : 2) + (validAt(c, now) ? 1 : 0) + (c.basicConstraints?.ca ? 1 : 0);
    const ranked = candidates.map((c) => ({ c, s: score(c) })).sort((a, b) => b.s - a.s);
    let followed = false;
    for (const { c } of ranked) {
      if (!signedBy(cur, c)) continue;
      followed = true;
      walk([...path, c]);
    }
    if (!followed) {
      const best = ranked[0].c;
      const keyIdNote = cur.authorityKeyId && best.subjectKeyId && !cur.authorityKeyId.equals(best.subjectKeyId) ? ' (its authority key identifier does not match that certificate either)' : '';
      note(link, invalid(link, cur, `is not signed by the key of the bundle's "${best.subject}"${keyIdNote}: the bundle holds a different certificate of that name than the one that issued it.`));
    }
  };
  walk([start]);
  return { paths, error: deepest?.error };
}
