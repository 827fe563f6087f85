import { unauthorized, unavailable } from '../errors/index.js';
import { log } from '../log/index.js';
import type { KeystoneTokenBody } from './credentials.js';

/**
 * Validates a token by having it validate itself (X-Auth-Token = X-Subject-Token): Keystone allows
 * that for any valid token, so the API needs no service credentials of its own.
 */
export async function fetchTokenInfo(authUrl: string, token: string, timeoutMs: number): Promise<KeystoneTokenBody> {
  let res: Response;
  try {
    res = await fetch(`${authUrl.replace(/\/+$/, '')}/auth/tokens?nocatalog`, {
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    log.warn('keystone unreachable', { authUrl, reason: (e as Error).name });
    throw unavailable('IDENTITY_UNAVAILABLE', 'The identity service (Keystone) could not be reached; retry later.', 5, e);
  }
  if (res.status === 200) return (await res.json()) as KeystoneTokenBody;
  // Drain the body so the connection can be reused.
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    throw unauthorized('TOKEN_INVALID', 'The X-Auth-Token is invalid or expired; get a new token from Keystone.');
  }
  log.warn('keystone answered unexpectedly', { authUrl, status: res.status });
  throw unavailable('IDENTITY_UNAVAILABLE', `The identity service answered ${res.status}; retry later.`, 5);
}
