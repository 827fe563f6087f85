import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { keystoneAuthenticator, type AuthConfig } from '../../lib/auth/index.js';

/**
 * Offline verification of Keystone `jws` tokens, against the real Keystone that
 * scripts/openstack-up.sh runs with `[token] provider = jws` (port 5001, same database).
 */
const JWS_URL = process.env.KEYSTONE_JWS_URL!;

async function jwsToken(user: string, password: string, project: string): Promise<string> {
  const res = await fetch(`${JWS_URL}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: project, domain: { id: 'default' } } } },
    }),
  });
  expect(res.status).toBe(201);
  return res.headers.get('x-subject-token')!;
}

const config = (): AuthConfig => ({
  authUrl: JWS_URL,
  timeoutMs: 5000,
  cacheMaxEntries: 100,
  cacheMaxSeconds: 300,
  jws: { dir: process.env.KEYSTONE_JWS_PUBLIC_KEY_DIR, rolesCacheSeconds: 60 },
  revocation: {
    credentials: { authUrl: JWS_URL, username: 'revoker', password: 'rvpass', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
    // Long enough that a loaded machine still polls within two intervals (what keeps the list fresh).
    intervalSeconds: 1.5,
  },
});

/** Calls that validate a token online (not the revocation poll, not logins). */
function countValidations() {
  const real = globalThis.fetch;
  const counter = { n: 0 };
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/auth/tokens') && (init?.method ?? 'GET') === 'GET') counter.n++;
    return real(input, init);
  });
  return counter;
}
afterEach(() => vi.restoreAllMocks());

let alice: string;
beforeAll(async () => {
  expect(JWS_URL).toMatch(/:5001\/v3$/);
  alice = await jwsToken('alice', 'apass', 'tenant-a');
});

describe('Keystone jws tokens', () => {
  it('are ES256 JWTs naming user and project but no roles', () => {
    expect(decodeProtectedHeader(alice)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const claims = decodeJwt(alice);
    expect(claims.openstack_project_id).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(claims).some((k) => k.includes('role'))).toBe(false);
  });

  it('the first token of a user and project is validated online; the next ones offline, roles from the cache', async () => {
    const auth = keystoneAuthenticator(config());
    const calls = countValidations();
    const first = await auth(alice);
    expect(first.roles.sort()).toEqual(['creator', 'member', 'reader']);
    expect(calls.n).toBe(1);

    const second = await jwsToken('alice', 'apass', 'tenant-a');
    const again = await auth(second);
    expect(calls.n).toBe(1);
    expect(again).toMatchObject({ userId: first.userId, projectId: first.projectId, userName: 'alice', projectName: 'tenant-a' });
    expect(again.roles.sort()).toEqual(['creator', 'member', 'reader']);
    expect(again.tokenId).not.toBe(first.tokenId);

    // Another project of the cloud is another roles entry: online again.
    await auth(await jwsToken('bob', 'bpass2', 'tenant-b'));
    expect(calls.n).toBe(2);
  });

  it('refuses a token signed by another key, without a network call', async () => {
    const auth = keystoneAuthenticator(config());
    const calls = countValidations();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await new SignJWT(decodeJwt(alice)).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(privateKey);
    await expect(auth(forged)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    // A real signature over a payload changed to another project.
    const [h, p, s] = alice.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.openstack_project_id = '0'.repeat(32);
    await expect(auth(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`)).rejects.toMatchObject({ status: 401 });
    expect(calls.n).toBe(0);
  });

  it('refuses an expired token signed with Keystone’s own key, without a network call', async () => {
    const auth = keystoneAuthenticator(config());
    await auth(alice); // warm the roles cache: only the expiry can refuse what follows
    const calls = countValidations();
    const key = createPrivateKey(readFileSync(join(process.env.KEYSTONE_JWS_PRIVATE_KEY_DIR!, 'private.pem')));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...decodeJwt(alice), iat: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key);
    await expect(auth(expired)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect(calls.n).toBe(0);
  });

  it('refuses a revoked token once the revocation events show it, and keeps the user’s other tokens', async () => {
    const auth = keystoneAuthenticator(config());
    const doomed = await jwsToken('alice', 'apass', 'tenant-a');
    const other = await jwsToken('alice', 'apass', 'tenant-a');
    await auth(doomed);
    await auth(other);
    const res = await fetch(`${JWS_URL}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': doomed, 'X-Subject-Token': doomed } });
    expect(res.status).toBe(204);
    await new Promise((r) => setTimeout(r, 1600)); // past the 1.5 s revocation interval
    await expect(auth(doomed)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    const calls = countValidations();
    expect((await auth(other)).userName).toBe('alice');
    expect(calls.n).toBe(0);
  });

  it('without a revocation reader, validates each new token online once', async () => {
    const auth = keystoneAuthenticator({ ...config(), revocation: undefined });
    const calls = countValidations();
    await auth(await jwsToken('alice', 'apass', 'tenant-a'));
    await auth(await jwsToken('alice', 'apass', 'tenant-a'));
    expect(calls.n).toBe(2);
  });
});
