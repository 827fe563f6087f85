import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { unauthorized } from '../errors/index.js';
import { credentialsFromToken, type Credentials, type KeystoneTokenBody } from './credentials.js';
import { JwsVerifier, looksLikeJws, type KeystoneJwsClaims } from './jws.js';
import { fetchTokenInfo } from './keystone.js';
import { RevocationList, type TokenContext } from './revocation.js';
import { passwordCredentialsFromEnv, ServiceSession, type PasswordCredentials } from './serviceSession.js';
import { TokenCache } from './tokenCache.js';
import { SharedValidations, type SharedTokenCache } from './sharedCache.js';

export type { Credentials } from './credentials.js';
export { TokenCache } from './tokenCache.js';
export { MemorySharedTokenCache, SHARED_ITEM_ATTRIBUTES, type SharedItem, type SharedTokenCache } from './sharedCache.js';
export { JwsVerifier, looksLikeJws, type KeystoneJwsClaims } from './jws.js';
export { RevocationList, mayRevoke, type RevokeEvent } from './revocation.js';
export { ServiceSession, type PasswordCredentials, type DomainServiceToken } from './serviceSession.js';
export { fetchKeystoneUser, type KeystoneUserDocument } from './users.js';
export { KeystoneMembership, type ProjectMembership, type KeystoneMembershipOptions } from './membership.js';

export interface AuthConfig {
  authUrl: string;
  timeoutMs: number;
  cacheMaxEntries: number;
  cacheMaxSeconds: number;
  /** Keystone's JWS public keys: offline verification of `jws` tokens when set. */
  jws?: { pems?: string; dir?: string; rolesCacheSeconds: number };
  /** A Keystone user with the `service` role that may read revocation events; without it JWS tokens
   * are still verified offline first, then validated online once each. */
  revocation?: { credentials: PasswordCredentials; intervalSeconds: number };
  /** The validation cache shared by all API functions (in the table); unset (TOKEN_SHARED_CACHE=0): each keeps its own only. */
  sharedCache?: { timeoutMs: number };
}

export function authConfigFromEnv(env = process.env): AuthConfig {
  const authUrl = env.OS_AUTH_URL;
  if (!authUrl) throw new Error('OS_AUTH_URL is not set');
  const jwsKeys = env.KEYSTONE_JWS_PUBLIC_KEYS || env.KEYSTONE_JWS_PUBLIC_KEY_DIR;
  const revocationReader = passwordCredentialsFromEnv(env, authUrl, 'KEYSTONE_REVOCATION_');
  return {
    authUrl,
    timeoutMs: Number(env.KEYSTONE_TIMEOUT_MS ?? 5000),
    cacheMaxEntries: Number(env.TOKEN_CACHE_MAX_ENTRIES ?? 10000),
    cacheMaxSeconds: Number(env.TOKEN_CACHE_MAX_SECONDS ?? 300),
    jws: jwsKeys
      ? { pems: env.KEYSTONE_JWS_PUBLIC_KEYS || undefined, dir: env.KEYSTONE_JWS_PUBLIC_KEY_DIR || undefined, rolesCacheSeconds: Number(env.JWS_ROLES_CACHE_SECONDS ?? 60) }
      : undefined,
    sharedCache: env.TOKEN_SHARED_CACHE === '0' ? undefined : { timeoutMs: Number(env.TOKEN_SHARED_CACHE_TIMEOUT_MS ?? 1000) },
    revocation: revocationReader ? { credentials: revocationReader, intervalSeconds: Number(env.KEYSTONE_REVOCATION_INTERVAL_SECONDS ?? 30) } : undefined,
  };
}

const MAX_TOKEN_LENGTH = 8192;

/** What the online answer told us about a user on a project, reused for their other JWS tokens. */
interface RolesEntry extends TokenContext {
  roles: string[];
  userName?: string;
  projectName?: string;
}

export type Authenticate = (token: string | undefined) => Promise<Credentials>;

export interface AuthenticatorOptions {
  cache?: TokenCache;
  /** Where validations are shared with the other functions (lib/store/tokenValidations.ts on AWS). */
  shared?: SharedTokenCache;
}

/**
 * Builds a token authenticator with its own bounded caches. Lookup order: this process's cache,
 * (JWS) the offline roles cache, the shared cache, Keystone; only Keystone's answers are shared.
 */
export function keystoneAuthenticator(config: AuthConfig, opts: AuthenticatorOptions = {}): Authenticate {
  const cacheMs = config.cacheMaxSeconds * 1000;
  const cache = opts.cache ?? new TokenCache(config.cacheMaxEntries, cacheMs);
  // Capped at the same period as this process's cache: a revoked Fernet token lives no longer than before.
  const shared = opts.shared && new SharedValidations(opts.shared, cacheMs);
  const jws = config.jws ? new JwsVerifier(config.jws) : undefined;
  const rolesCache = config.jws ? new LRUCache<string, RolesEntry>({ max: config.cacheMaxEntries, ttl: config.jws.rolesCacheSeconds * 1000 }) : undefined;
  const revocation = config.revocation
    ? new RevocationList(config.authUrl, new ServiceSession(async () => config.revocation!.credentials, config.timeoutMs), config.revocation.intervalSeconds * 1000, config.timeoutMs)
    : undefined;
  /** JWS claims of cached tokens, so a revocation reaches tokens already in the cache. */
  const claimsOf = new WeakMap<Credentials, { claims: KeystoneJwsClaims; ctx: TokenContext }>();

  /** Offline acceptance needs a fresh revocation list that has nothing against the token. */
  const maybeRevoked = (claims: KeystoneJwsClaims, ctx: TokenContext) => !revocation?.ready || revocation.matching(claims, ctx) !== undefined;

  return async function authenticate(token) {
    if (!token || !token.trim()) throw unauthorized('TOKEN_MISSING', 'Send a Keystone token in the X-Auth-Token header.');
    if (token.length > MAX_TOKEN_LENGTH || /[\s\x00-\x1f]/.test(token)) {
      throw unauthorized('TOKEN_INVALID', 'The X-Auth-Token is invalid or expired; get a new token from Keystone.');
    }
    const fingerprint = createHash('sha256').update(token).digest('hex');
    await revocation?.refresh();
    const hit = cache.get(fingerprint);
    const known = hit && claimsOf.get(hit);
    // Without a revocation reader a cached token lives as long as a cached Fernet token does.
    if (hit && !(known && revocation && maybeRevoked(known.claims, known.ctx))) return hit;

    let claims: KeystoneJwsClaims | undefined;
    if (jws && looksLikeJws(token)) {
      // A forged or expired JWS is refused here, without asking Keystone.
      claims = await jws.verify(token);
      const entry = claims.projectId && !claims.delegated ? rolesCache!.get(`${claims.userId}:${claims.projectId}`) : undefined;
      if (entry && !maybeRevoked(claims, entry)) {
        const creds: Credentials = {
          userId: claims.userId,
          userName: entry.userName,
          userDomainId: entry.userDomainId,
          projectId: claims.projectId,
          projectName: entry.projectName,
          roles: entry.roles,
          methods: claims.methods,
          expiresAt: claims.expiresAt,
          tokenId: fingerprint.slice(0, 12),
        };
        remember(fingerprint, creds, claims, entry);
        return creds;
      }
    }

    // Another function or container asked Keystone within the cache period. A JWS entry passes the
    // revocation check an in-process hit passes; one that may be revoked is asked about online.
    const sharedHit = hit ? undefined : await shared?.get(fingerprint);
    if (sharedHit && (!claims || (sameSubject(claims, sharedHit.creds) && !(revocation && maybeRevoked(claims, sharedHit.ctx))))) {
      remember(fingerprint, sharedHit.creds, claims, sharedHit.ctx, sharedHit.until);
      return sharedHit.creds;
    }

    const body = await fetchTokenInfo(config.authUrl, token, config.timeoutMs);
    const creds = credentialsFromToken(body, fingerprint.slice(0, 12));
    if (!(creds.expiresAt.getTime() > Date.now())) throw unauthorized('TOKEN_INVALID', 'The X-Auth-Token has expired; get a new token from Keystone.');
    const entry = rolesEntry(body);
    if (claims?.projectId && !claims.delegated && sameSubject(claims, creds)) rolesCache!.set(`${claims.userId}:${claims.projectId}`, entry);
    remember(fingerprint, creds, claims, entry);
    await shared?.put(fingerprint, creds, entry);
    return creds;
  };

  /** `notAfter`: a shared entry's end, which this process's copy must not outlive. */
  function remember(fingerprint: string, creds: Credentials, claims: KeystoneJwsClaims | undefined, ctx: TokenContext, notAfter?: number) {
    if (claims) claimsOf.set(creds, { claims, ctx });
    cache.set(fingerprint, creds, notAfter);
  }
}

/** A shared entry is taken for a JWS token only if it names the token's own user and project. */
const sameSubject = (claims: KeystoneJwsClaims, creds: Credentials) => claims.userId === creds.userId && claims.projectId === creds.projectId;

function rolesEntry(body: KeystoneTokenBody): RolesEntry {
  const t = body.token;
  return {
    roles: (t.roles ?? []).map((r) => r.name),
    roleIds: (t.roles ?? []).flatMap((r) => (r.id ? [r.id] : [])),
    userName: t.user.name,
    userDomainId: t.user.domain?.id,
    projectName: t.project?.name,
    projectDomainId: t.project?.domain?.id,
  };
}
