// Tests of the DEVELOPMENT-ONLY stack entry (dev/openstack.ts) and of the project's own clients against it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';
import { BarbicanClient } from '../../../lib/keystore/barbican.js';
import { ServiceSession } from '../../../lib/auth/serviceSession.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let os: DevOpenStack;
beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
});
afterAll(() => os.close());

describe('startDevOpenStack', () => {
  it('puts the development Barbican into the catalog of every scoped token', async () => {
    const res = await fetch(`${os.keystoneUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'caworker', domain: { name: 'Default' }, password: 'cwpass' } } },
          scope: { project: { name: 'service', domain: { name: 'Default' } } },
        },
      }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] } };
    const km = body.token.catalog.find((c) => c.type === 'key-manager')!;
    expect(km.endpoints.find((e) => e.interface === 'public')!.url).toBe(os.barbicanUrl);
    expect(os.keystoneUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3$/);
  });

  it("serves the project's service session and Barbican client (catalog lookup, store, read, delete)", async () => {
    const session = new ServiceSession(async () => ({
      authUrl: os.keystoneUrl,
      username: 'caworker',
      password: 'cwpass',
      projectName: 'service',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    }));
    const client = new BarbicanClient(session);
    const key = randomBytes(121);
    const ref = await client.store({ name: 'ca-key', payload: key, secretType: 'private', algorithm: 'EC', bitLength: 256 });
    expect(ref.startsWith(`${os.barbicanUrl}/v1/secrets/`)).toBe(true);
    expect((await client.payload(ref)).equals(key)).toBe(true);
    expect(await client.metadata(ref)).toMatchObject({ name: 'ca-key', secret_type: 'private', algorithm: 'EC', bit_length: 256, status: 'ACTIVE' });
    await client.delete(ref);
    await expect(client.payload(ref)).rejects.toMatchObject({ status: 404 });
  });
});

describe('dev/openstack.ts as a command', () => {
  it('prints one JSON line when ready and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'dev/openstack.ts'], {
      cwd: ROOT,
      env: { ...process.env, DEV_KEYSTONE_PORT: '0', DEV_BARBICAN_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) ok();
        });
        child.once('exit', (code) => fail(new Error(`exited ${code} before printing`)));
      });
      const urls = JSON.parse(out.trim()) as { keystone: string; barbican: string };
      expect(Object.keys(urls)).toEqual(['keystone', 'barbican']);
      expect(urls.keystone).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3$/);
      expect((await fetch(urls.keystone)).status).toBe(200);
      expect((await fetch(`${urls.barbican}/`)).status).toBe(300);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
