import { createHash } from 'node:crypto';
import { unauthorized } from '../errors/index.js';
import { credentialsFromToken, type Credentials } from './credentials.js';
import { fetchTokenInfo } from './keystone.js';
import { TokenCache } from './tokenCache.js';

export type { Credentials } from './credentials.js';
export { TokenCache } from './tokenCache.js';

export interface AuthConfig {
  authUrl: string;
  timeoutMs: number;
  cacheMaxEntries: number;
  cacheMaxSeconds: number;
}

export function authConfigFromEnv(env = process.env): AuthConfig {
  const authUrl = env.OS_AUTH_URL;
  if (!authUrl) throw new Error('OS_AUTH_URL is not set');
  return {
    authUrl,
    timeoutMs: Number(env.KEYSTONE_TIMEOUT_MS ?? 5000),
    cacheMaxEntries: Number(env.TOKEN_CACHE_MAX_ENTRIES ?? 10000),
    cacheMaxSeconds: Number(env.TOKEN_CACHE_MAX_SECONDS ?? 300),
  };
}

const MAX_TOKEN_LENGTH = 8192;

/** Builds a token authenticator with its own bounded cache. */
export function keystoneAuthenticator(config: AuthConfig, cache = new TokenCache(config.cacheMaxEntries, config.cacheMaxSeconds * 1000)) {
  return async function authenticate(token: string | undefined): Promise<Credentials> {
    if (!token || !token.trim()) throw unauthorized('TOKEN_MISSING', 'Send a Keystone token in the X-Auth-Token header.');
    if (token.length > MAX_TOKEN_LENGTH || /[\s\x00-\x1f]/.test(token)) {
      throw unauthorized('TOKEN_INVALID', 'The X-Auth-Token is invalid or expired; get a new token from Keystone.');
    }
    const fingerprint = createHash('sha256').update(token).digest('hex');
    const hit = cache.get(fingerprint);
    if (hit) return hit;
    const body = await fetchTokenInfo(config.authUrl, token, config.timeoutMs);
    const creds = credentialsFromToken(body, fingerprint.slice(0, 12));
    if (!(creds.expiresAt.getTime() > Date.now())) throw unauthorized('TOKEN_INVALID', 'The X-Auth-Token has expired; get a new token from Keystone.');
    cache.set(fingerprint, creds);
    return creds;
  };
}
