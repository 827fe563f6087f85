import * as z from 'zod';
import { log } from '../log/index.js';
import type { Credentials } from './credentials.js';
import type { TokenContext } from './revocation.js';

/**
 * The validation cache all API functions share (one item per token in the service's table), so a
 * token is validated at Keystone about once per cache period, not once per function and container.
 * An entry holds what Keystone answered, never the token: it is found by the token's SHA-256.
 */
export interface SharedEntry {
  creds: Credentials;
  /** What a revocation event may match on besides the JWS claims (role ids, domains). */
  ctx: TokenContext;
  /** Epoch ms: the entry is worthless from then on, whatever DynamoDB's lazy TTL still returns. */
  until: number;
}

/** Where entries live: DynamoDB in the functions (lib/store/tokenValidations.ts), memory in tests. */
export interface SharedTokenCache {
  /** The stored item of `fingerprint`, undecoded; may throw (the caller falls back to Keystone). */
  read(fingerprint: string): Promise<Record<string, unknown> | undefined>;
  /** Stores the item; may throw (the caller logs and goes on). */
  write(fingerprint: string, item: SharedItem): Promise<void>;
}

/** Why a read found nothing usable: stable codes for the logs. */
export type SharedMiss = 'SHARED_ABSENT' | 'SHARED_CORRUPT' | 'SHARED_EXPIRED' | 'SHARED_UNAVAILABLE';

export const SHARED_ITEM_VERSION = 1;

/** The attributes of the item besides its key (the boundary tests check none is one the API is denied). */
export const SHARED_ITEM_ATTRIBUTES = ['v', 'creds', 'ctx', 'until', 'ttl'] as const satisfies readonly (keyof SharedItem)[];

export interface SharedItem {
  v: number;
  creds: Omit<Credentials, 'expiresAt' | 'tokenId'> & { expiresAt: string };
  ctx: TokenContext;
  until: number;
  /** Epoch seconds: DynamoDB's TTL attribute (the table's `ttl`), deletion some time after. */
  ttl: number;
}

/** The entry of a Keystone answer: until the token expires or the cache period ends, whichever is first. */
export function sharedItem(creds: Credentials, ctx: TokenContext, maxTtlMs: number, now: number): SharedItem | undefined {
  const until = Math.min(creds.expiresAt.getTime(), now + maxTtlMs);
  if (!(until > now)) return undefined;
  // tokenId is a prefix of the key: recomputed on reading, not stored twice.
  const { tokenId: _tokenId, expiresAt, ...rest } = creds;
  return { v: SHARED_ITEM_VERSION, creds: stripUndefined({ ...rest, expiresAt: expiresAt.toISOString() }), ctx: contextOf(ctx), until, ttl: Math.ceil(until / 1000) };
}

const optionalString = z.string().min(1).optional();
const itemSchema = z.object({
  v: z.literal(SHARED_ITEM_VERSION),
  creds: z.object({
    userId: z.string().min(1),
    userName: optionalString,
    userDomainId: optionalString,
    projectId: optionalString,
    projectName: optionalString,
    system: z.literal(true).optional(),
    methods: z.array(z.string()).optional(),
    delegated: z.literal(true).optional(),
    roles: z.array(z.string()),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  ctx: z.object({ roleIds: z.array(z.string()), userDomainId: optionalString, projectDomainId: optionalString }),
  until: z.number().int().positive(),
  ttl: z.number().int().positive(),
});

/** An item read back as an entry, or why it is a miss: corrupt (any shape not ours) and expired alike. */
export function decodeShared(item: Record<string, unknown> | undefined, fingerprint: string, now: number): SharedEntry | SharedMiss {
  if (!item) return 'SHARED_ABSENT';
  const parsed = itemSchema.safeParse(item);
  if (!parsed.success) return 'SHARED_CORRUPT';
  const { creds: c, ctx, until } = parsed.data;
  const expiresAt = new Date(c.expiresAt);
  if (until <= now || expiresAt.getTime() <= now) return 'SHARED_EXPIRED';
  const creds: Credentials = { ...stripUndefined(c), expiresAt, tokenId: fingerprint.slice(0, 12) };
  return { creds, ctx: stripUndefined(ctx), until };
}

/** Only the context's own fields (callers may pass a wider record). */
const contextOf = (c: TokenContext): TokenContext => stripUndefined({ roleIds: c.roleIds, userDomainId: c.userDomainId, projectDomainId: c.projectDomainId });

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Reads and writes entries for the authenticator, best effort both ways: a store that fails, is
 * slow (its own timeout) or holds something else is a miss, and Keystone is asked as before. Logs
 * carry a reason code only, never the token or its fingerprint.
 */
export class SharedValidations {
  constructor(
    private readonly store: SharedTokenCache,
    private readonly maxTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(fingerprint: string): Promise<SharedEntry | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      item = await this.store.read(fingerprint);
    } catch (e) {
      log.warn('shared token cache unavailable', { code: 'SHARED_UNAVAILABLE' satisfies SharedMiss, reason: (e as Error).name });
      return undefined;
    }
    const entry = decodeShared(item, fingerprint, this.now());
    if (entry === 'SHARED_CORRUPT') log.warn('shared token cache entry unreadable', { code: entry });
    return typeof entry === 'string' ? undefined : entry;
  }

  /** Keystone's answer for the other functions; a failed write only costs them a validation. */
  async put(fingerprint: string, creds: Credentials, ctx: TokenContext): Promise<void> {
    const item = sharedItem(creds, ctx, this.maxTtlMs, this.now());
    if (!item) return;
    try {
      await this.store.write(fingerprint, item);
    } catch (e) {
      log.warn('shared token cache not written', { code: 'SHARED_UNAVAILABLE' satisfies SharedMiss, reason: (e as Error).name });
    }
  }
}

/** Memory stand-in, for tests and benches: what one table would hold, shared by authenticators. */
export class MemorySharedTokenCache implements SharedTokenCache {
  readonly items = new Map<string, Record<string, unknown>>();
  reads = 0;
  writes = 0;

  async read(fingerprint: string): Promise<Record<string, unknown> | undefined> {
    this.reads++;
    const item = this.items.get(fingerprint);
    return item && structuredClone(item);
  }

  async write(fingerprint: string, item: SharedItem): Promise<void> {
    this.writes++;
    this.items.set(fingerprint, structuredClone(item) as unknown as Record<string, unknown>);
  }
}
