import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keystoneAuthenticator, MemorySharedTokenCache, type AuthConfig, type SharedItem } from '../../../lib/auth/index.js';
import { decodeShared, sharedItem } from '../../../lib/auth/sharedCache.js';

// Each authenticator stands for one API function (its own process); the memory cache for the table they share.
const keystoneKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = keystoneKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex');

let server: Server;
let url: string;
/** Token validations (GET /v3/auth/tokens) Keystone answered. */
let validations = 0;
const revoked = new Set<string>();
let revokeEvents: Record<string, string>[] = [];
let eventsStatus = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/v3/auth/tokens') {
      // The revocation reader's login.
      req.resume();
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'reader-token' });
      res.end(JSON.stringify({ token: { user: { id: 'reader' }, project: { id: 'service' }, expires_at: new Date(Date.now() + 3600_000).toISOString() } }));
      return;
    }
    if (path === '/v3/OS-REVOKE/events') {
      res.writeHead(eventsStatus, { 'Content-Type': 'application/json' }).end(JSON.stringify({ events: revokeEvents }));
      return;
    }
    validations++;
    const subject = String(req.headers['x-subject-token']);
    if (subject !== req.headers['x-auth-token'] || revoked.has(subject)) {
      res.writeHead(404).end('{}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        token: {
          user: { id: 'u1', name: 'alice', domain: { id: 'default' } },
          project: { id: 'p1', name: 'tenant-a', domain: { id: 'default' } },
          methods: ['password'],
          roles: [{ id: 'r-member', name: 'member' }],
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v3`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  validations = 0;
  revoked.clear();
  revokeEvents = [];
  eventsStatus = 200;
});

const config = (): AuthConfig => ({ authUrl: url, timeoutMs: 1000, cacheMaxEntries: 100, cacheMaxSeconds: 300 });
const jwsConfig = (): AuthConfig => ({
  ...config(),
  jws: { pems: PEM, rolesCacheSeconds: 60 },
  revocation: { credentials: { authUrl: url, username: 'reader', password: 'pw', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' }, intervalSeconds: 30 },
});
const jwsToken = (auditId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'u1', iat: now - 60, exp: now + 3600, openstack_methods: ['password'], openstack_audit_ids: [auditId], openstack_project_id: 'p1' })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .sign(keystoneKey.privateKey);
};

describe('the shared token validation cache', () => {
  it('a token validated by one function is taken by another without asking Keystone', async () => {
    const shared = new MemorySharedTokenCache();
    const first = await keystoneAuthenticator(config(), { shared })('tok-shared');
    expect(validations).toBe(1);
    expect(shared.writes).toBe(1);
    const second = await keystoneAuthenticator(config(), { shared })('tok-shared');
    expect(validations).toBe(1);
    expect(second).toEqual(first);
    expect(second.expiresAt).toBeInstanceOf(Date);
  });

  it('holds what Keystone said and the token’s hash, never the token', async () => {
    const shared = new MemorySharedTokenCache();
    const token = 'tok-secret-value-0123456789';
    await keystoneAuthenticator(config(), { shared })(token);
    expect([...shared.items.keys()]).toEqual([fingerprint(token)]);
    const item = shared.items.get(fingerprint(token)) as unknown as SharedItem;
    expect(JSON.stringify(item)).not.toContain(token);
    expect(JSON.stringify(item)).not.toContain('tok-secret');
    expect(item.creds).toMatchObject({ userId: 'u1', userName: 'alice', projectId: 'p1', roles: ['member'], methods: ['password'] });
    expect(item.ctx).toEqual({ roleIds: ['r-member'], userDomainId: 'default', projectDomainId: 'default' });
    // DynamoDB's TTL at the end of the cache period, not the token's expiry an hour later.
    expect(item.ttl).toBeLessThanOrEqual(Math.ceil((Date.now() + 300_000) / 1000));
    expect(item.until).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('an expired entry goes to Keystone (DynamoDB deletes expired items late)', async () => {
    const shared = new MemorySharedTokenCache();
    await keystoneAuthenticator(config(), { shared })('tok-old-entry');
    const item = shared.items.get(fingerprint('tok-old-entry'))!;
    shared.items.set(fingerprint('tok-old-entry'), { ...item, until: Date.now() - 1 });
    await keystoneAuthenticator(config(), { shared })('tok-old-entry');
    expect(validations).toBe(2);
    // And the fresh answer replaced it.
    expect((shared.items.get(fingerprint('tok-old-entry')) as unknown as SharedItem).until).toBeGreaterThan(Date.now());
  });

  it('a corrupt entry is a miss', async () => {
    const shared = new MemorySharedTokenCache();
    const fp = fingerprint('tok-corrupt');
    const good = sharedItem({ userId: 'u1', roles: ['member'], expiresAt: new Date(Date.now() + 60_000), tokenId: 'x' }, { roleIds: [] }, 60_000, Date.now())!;
    const corrupt: Record<string, unknown>[] = [
      { garbage: true },
      { ...good, v: 2 },
      { ...good, creds: { ...good.creds, roles: 'admin' } },
      { ...good, creds: { ...good.creds, expiresAt: 'tomorrow' } },
      { ...good, creds: { ...good.creds, userId: '' } },
      { ...good, until: 'later' },
    ];
    for (const item of corrupt) {
      validations = 0;
      shared.items.set(fp, item);
      const creds = await keystoneAuthenticator(config(), { shared })('tok-corrupt');
      expect(creds.userName).toBe('alice');
      expect(validations).toBe(1);
    }
    expect(decodeShared({ ...good }, fp, Date.now())).toMatchObject({ creds: { userId: 'u1', tokenId: fp.slice(0, 12) } });
  });

  it('a failing store falls back to Keystone and fails no request', async () => {
    const broken = {
      read: async () => {
        throw Object.assign(new Error('boom'), { name: 'ProvisionedThroughputExceededException' });
      },
      write: async () => {
        throw new Error('down');
      },
    };
    const creds = await keystoneAuthenticator(config(), { shared: broken })('tok-broken-store');
    expect(creds.userId).toBe('u1');
    expect(validations).toBe(1);
  });

  it('does not share failed validations', async () => {
    const shared = new MemorySharedTokenCache();
    revoked.add('tok-bad');
    await expect(keystoneAuthenticator(config(), { shared })('tok-bad')).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect(shared.items.size).toBe(0);
  });

  it('with TOKEN_SHARED_CACHE=0 the functions do not share', async () => {
    const { authConfigFromEnv } = await import('../../../lib/auth/index.js');
    expect(authConfigFromEnv({ OS_AUTH_URL: url }).sharedCache).toEqual({ timeoutMs: 1000 });
    expect(authConfigFromEnv({ OS_AUTH_URL: url, TOKEN_SHARED_CACHE: '0' }).sharedCache).toBeUndefined();
  });
});

describe('the shared cache and JWS revocation', () => {
  it('a shared entry of a JWS token passes the same revocation check as an in-process one', async () => {
    const shared = new MemorySharedTokenCache();
    const token = await jwsToken('aud-kept');
    await keystoneAuthenticator(jwsConfig(), { shared })(token);
    expect(validations).toBe(1);
    await keystoneAuthenticator(jwsConfig(), { shared })(token);
    expect(validations).toBe(1);
  });

  it('a revoked JWS token is refused on a shared hit once the revocation events show it', async () => {
    const shared = new MemorySharedTokenCache();
    const token = await jwsToken('aud-doomed');
    await keystoneAuthenticator(jwsConfig(), { shared })(token);
    // Keystone revokes it: its event appears, and Keystone refuses it from now on.
    revoked.add(token);
    revokeEvents = [{ audit_id: 'aud-doomed', revoked_at: new Date().toISOString() }];
    validations = 0;
    await expect(keystoneAuthenticator(jwsConfig(), { shared })(token)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    // The entry was not trusted: Keystone, which has the last word, was asked.
    expect(validations).toBe(1);
  });

  it('without a fresh revocation list a shared JWS entry is not trusted', async () => {
    const shared = new MemorySharedTokenCache();
    const token = await jwsToken('aud-stale');
    await keystoneAuthenticator(jwsConfig(), { shared })(token);
    eventsStatus = 503;
    validations = 0;
    await keystoneAuthenticator(jwsConfig(), { shared })(token);
    expect(validations).toBe(1);
  });

  it('a shared entry of another user is not taken for a JWS token', async () => {
    const shared = new MemorySharedTokenCache();
    const token = await jwsToken('aud-swap');
    const fp = fingerprint(token);
    shared.items.set(fp, sharedItem({ userId: 'admin', projectId: 'p1', roles: ['admin'], expiresAt: new Date(Date.now() + 60_000), tokenId: 'x' }, { roleIds: [] }, 60_000, Date.now())! as unknown as Record<string, unknown>);
    const creds = await keystoneAuthenticator(jwsConfig(), { shared })(token);
    expect(creds.userId).toBe('u1');
    expect(validations).toBe(1);
  });
});
