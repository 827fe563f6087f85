import { LRUCache } from 'lru-cache';
import type { Credentials } from './credentials.js';

interface Entry {
  creds: Credentials;
  until: number;
}

/**
 * Valid tokens only, keyed by the token's SHA-256 fingerprint (the token itself is not kept),
 * each for the shorter of the token's remaining life and the configured maximum; LRU-bounded.
 */
export class TokenCache {
  private readonly lru: LRUCache<string, Entry>;

  constructor(
    maxEntries: number,
    private readonly maxTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lru = new LRUCache({ max: maxEntries });
  }

  get(fingerprint: string): Credentials | undefined {
    const hit = this.lru.get(fingerprint);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.lru.delete(fingerprint);
      return undefined;
    }
    return hit.creds;
  }

  /** `notAfter`: an earlier end (a shared entry's), so a copy never outlives what it was copied from. */
  set(fingerprint: string, creds: Credentials, notAfter = Infinity): void {
    const until = Math.min(creds.expiresAt.getTime(), this.now() + this.maxTtlMs, notAfter);
    if (until > this.now()) this.lru.set(fingerprint, { creds, until });
  }

  get size(): number {
    return this.lru.size;
  }
}
