/**
 * How long HTTP caches may keep a CRL or an OCSP answer: a short, configured time
 * (REVOCATION_CACHE_SECONDS, default 300), never past its nextUpdate. Until nextUpdate (days)
 * would let a cache in front of the responder hide a revocation for that long.
 */
export const DEFAULT_REVOCATION_CACHE_SECONDS = 300;

export function revocationCacheHeaders(thisUpdate: string, nextUpdate: string, now = Date.now(), env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const configured = Number(env.REVOCATION_CACHE_SECONDS ?? DEFAULT_REVOCATION_CACHE_SECONDS);
  const cap = Number.isFinite(configured) && configured >= 0 ? Math.floor(configured) : DEFAULT_REVOCATION_CACHE_SECONDS;
  const untilNext = Math.max(0, Math.floor((Date.parse(nextUpdate) - now) / 1000));
  return { 'Cache-Control': `public, max-age=${Math.min(cap, untilNext)}`, 'Last-Modified': new Date(thisUpdate).toUTCString() };
}
