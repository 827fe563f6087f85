import { describe, expect, it } from 'vitest';
import { revocationCacheHeaders } from '../../../lib/http/index.js';

/** Caches keep CRLs and OCSP answers a short, configured time: a revocation shows within it. */
describe('revocationCacheHeaders', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const week = '2026-12-08T12:00:00Z';
  it('caps max-age at REVOCATION_CACHE_SECONDS (default 300), not at nextUpdate', () => {
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', week, now, {})['Cache-Control']).toBe('public, max-age=300');
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', week, now, { REVOCATION_CACHE_SECONDS: '30' })['Cache-Control']).toBe('public, max-age=30');
  });
  it('never past nextUpdate, never negative; a bad setting falls back to the default', () => {
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', '2026-12-01T12:01:00Z', now, {})['Cache-Control']).toBe('public, max-age=60');
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', '2026-12-01T11:59:00Z', now, {})['Cache-Control']).toBe('public, max-age=0');
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', week, now, { REVOCATION_CACHE_SECONDS: 'soon' })['Cache-Control']).toBe('public, max-age=300');
    expect(revocationCacheHeaders('2026-12-01T11:00:00Z', week, now, {})['Last-Modified']).toBe('Tue, 01 Dec 2026 11:00:00 GMT');
  });
});
