import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../lib/auth/index.js';
import type { Credentials } from '../../../lib/auth/index.js';

const creds = (expiresAt: number): Credentials => ({ userId: 'u', projectId: 'p', roles: [], expiresAt: new Date(expiresAt), tokenId: 't' });

describe('TokenCache', () => {
  it('keeps a token no longer than it lives', () => {
    let now = 1_000_000;
    const cache = new TokenCache(10, 300_000, () => now);
    cache.set('a', creds(now + 10_000));
    expect(cache.get('a')).toBeDefined();
    now += 10_001;
    expect(cache.get('a')).toBeUndefined();
  });
  it('keeps a token no longer than the configured maximum', () => {
    let now = 1_000_000;
    const cache = new TokenCache(10, 5_000, () => now);
    cache.set('a', creds(now + 3_600_000));
    now += 4_000;
    expect(cache.get('a')).toBeDefined();
    now += 1_001;
    expect(cache.get('a')).toBeUndefined();
  });
  it('never caches an expired token', () => {
    const now = 1_000_000;
    const cache = new TokenCache(10, 5_000, () => now);
    cache.set('a', creds(now - 1));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
  it('is bounded in size', () => {
    const now = 1_000_000;
    const cache = new TokenCache(3, 60_000, () => now);
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.set(k, creds(now + 60_000));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('e')).toBeDefined();
  });
  it('a copy of a shared entry lives no longer than the entry (the revocation bound stays one cache period)', () => {
    let now = 1_000_000;
    const cache = new TokenCache(10, 300_000, () => now);
    cache.set('a', creds(now + 3_600_000), now + 1_000);
    now += 1_001;
    expect(cache.get('a')).toBeUndefined();
  });
});
