import { forbidden, notFound, unavailable } from '../errors/index.js';
import { log } from '../log/index.js';

/** A Keystone user as GET /v3/users/{id} answers (the parts enrollment needs). */
export interface KeystoneUserDocument {
  id: string;
  name: string;
  email?: string;
  enabled: boolean;
  domainId?: string;
}

/**
 * Reads a user with the caller's own token: Keystone's identity:get_user lets an admin, a system
 * reader or the user themselves read it, so the API needs no credentials of its own, and an
 * enrollment is made only for a user the caller may see.
 */
export async function fetchKeystoneUser(authUrl: string, token: string, userId: string, timeoutMs: number): Promise<KeystoneUserDocument> {
  let res: Response;
  try {
    res = await fetch(`${authUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(userId)}`, { headers: { 'X-Auth-Token': token, Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    log.warn('keystone unreachable', { authUrl, reason: (e as Error).name });
    throw unavailable('IDENTITY_UNAVAILABLE', 'The identity service (Keystone) could not be reached; retry later.', 5, e);
  }
  if (res.status === 200) {
    const { user } = (await res.json()) as { user: { id: string; name: string; email?: unknown; enabled?: boolean; domain_id?: string } };
    return { id: user.id, name: user.name, ...(typeof user.email === 'string' && user.email ? { email: user.email } : {}), enabled: user.enabled !== false, domainId: user.domain_id };
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 404) throw notFound('USER_NOT_FOUND', `Keystone has no user ${userId}.`);
  if (res.status === 403) throw forbidden('USER_NOT_VISIBLE', `Keystone does not let your token read user ${userId}; an admin (system scope) or the user themselves may enroll.`);
  log.warn('keystone answered unexpectedly', { authUrl, status: res.status });
  throw unavailable('IDENTITY_UNAVAILABLE', `The identity service answered ${res.status}; retry later.`, 5);
}
