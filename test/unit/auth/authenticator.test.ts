import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keystoneAuthenticator } from '../../../lib/auth/index.js';

// A stand-in for Keystone's token validation that counts calls; the real Keystone is exercised by test/openstack.
let server: Server;
let url: string;
let calls = 0;
let answer: { status: number; expiresIn?: number } = { status: 200, expiresIn: 3600 };

beforeAll(async () => {
  server = createServer((req, res) => {
    calls++;
    const token = req.headers['x-auth-token'];
    if (token !== req.headers['x-subject-token']) {
      res.writeHead(403).end();
      return;
    }
    if (answer.status !== 200) {
      res.writeHead(answer.status).end('{}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        token: {
          user: { id: 'u1', name: 'alice', domain: { id: 'default' } },
          project: { id: 'p1', name: 'tenant-a' },
          roles: [{ id: 'r', name: 'member' }],
          expires_at: new Date(Date.now() + (answer.expiresIn ?? 3600) * 1000).toISOString(),
        },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v3`;
});
afterAll(() => new Promise((r) => server.close(r)));

const config = () => ({ authUrl: url, timeoutMs: 1000, cacheMaxEntries: 100, cacheMaxSeconds: 300 });

describe('keystoneAuthenticator', () => {
  it('validates a token by itself and caches the answer', async () => {
    answer = { status: 200 };
    const auth = keystoneAuthenticator(config());
    calls = 0;
    const creds = await auth('tok-1');
    expect(creds).toMatchObject({ userId: 'u1', projectId: 'p1', roles: ['member'] });
    expect(creds.tokenId).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.stringify(creds)).not.toContain('tok-1');
    await auth('tok-1');
    expect(calls).toBe(1);
  });

  it('turns Keystone 404/401 into 401 TOKEN_INVALID', async () => {
    const auth = keystoneAuthenticator(config());
    for (const status of [401, 404]) {
      answer = { status };
      await expect(auth(`bad-${status}`)).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    }
  });

  it('turns a Keystone failure into 503 with Retry-After, never 500', async () => {
    answer = { status: 500 };
    await expect(keystoneAuthenticator(config())('tok-500')).rejects.toMatchObject({ status: 503, code: 'IDENTITY_UNAVAILABLE', retryAfter: 5 });
  });

  it('turns an unreachable Keystone into 503', async () => {
    const auth = keystoneAuthenticator({ ...config(), authUrl: 'http://127.0.0.1:1/v3' });
    await expect(auth('tok')).rejects.toMatchObject({ status: 503, code: 'IDENTITY_UNAVAILABLE' });
  });

  it('refuses missing and absurd tokens without asking Keystone', async () => {
    const auth = keystoneAuthenticator(config());
    calls = 0;
    await expect(auth(undefined)).rejects.toMatchObject({ status: 401, code: 'TOKEN_MISSING' });
    await expect(auth('a\nb')).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    await expect(auth('x'.repeat(10_000))).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect(calls).toBe(0);
  });

  it('does not cache a token that is already expired', async () => {
    answer = { status: 200, expiresIn: -10 };
    await expect(keystoneAuthenticator(config())('tok-old')).rejects.toMatchObject({ status: 401 });
  });
});
