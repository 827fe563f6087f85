import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openstackFromEnv } from '../../scripts/stack.js';

/**
 * `npm start` pointed at a real cloud, as the README says: with OS_AUTH_URL and the worker's
 * OS_SERVICE_* user exported, the stack uses that Keystone and Barbican (not the development
 * servers), so a token of the real Keystone works against it and a CA's key lands in the real
 * Barbican. Ports are npm start's own (3000…), free while the suites' stack uses 13000….
 */
const ROOT = join(import.meta.dirname, '..', '..');
let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
});

const real = {
  OS_AUTH_URL: process.env.OS_AUTH_URL!,
  OS_SERVICE_USERNAME: process.env.OS_SERVICE_USERNAME!,
  OS_SERVICE_PASSWORD: process.env.OS_SERVICE_PASSWORD!,
  OS_SERVICE_PROJECT_NAME: process.env.OS_SERVICE_PROJECT_NAME ?? 'service',
  BARBICAN_URL: process.env.BARBICAN_URL ?? '',
};

describe('npm start against a real Keystone and Barbican', () => {
  it('refuses a real Keystone without the worker\'s user, and takes exactly the real-cloud variables', () => {
    expect(() => openstackFromEnv({ OS_AUTH_URL: real.OS_AUTH_URL })).toThrow(/OS_SERVICE_USERNAME/);
    expect(openstackFromEnv({})).toBeUndefined();
    expect(openstackFromEnv({ ...real, UNRELATED: 'x' })).toEqual(Object.fromEntries(Object.entries(real).filter(([, v]) => v)));
  });

  it('uses the exported Keystone: its tokens work, and a CA made through it becomes active', async () => {
    expect(real.OS_AUTH_URL).toMatch(/^http/);
    // Its own build folder: the suites' stack is serving bundles from the default one.
    const env: NodeJS.ProcessEnv = { ...process.env, ...real, API_PORT: '3000', ESBUILD_WORK_FOLDER: '.esbuild-npm-start' };
    // The stack under test (with-stack) exports its own endpoints; npm start must make its own.
    for (const k of ['JOBS_QUEUE_URL', 'NOTIFY_QUEUE_URL', 'VALIDATION_QUEUE_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'PUBLIC_URL', 'LAMBDA_PORT', 'ACME_PRIVATE_KEY', 'ACME_PUBLIC_KEY', 'NOTIFY_PRIVATE_KEY', 'NOTIFY_PUBLIC_KEY']) delete env[k];
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    for (let i = 0; i < 600 && !out.includes('OpenStack CA service is up'); i++) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('OpenStack CA service is up');
    expect(out).toContain(`Keystone   ${real.OS_AUTH_URL}`);
    expect(out).not.toContain('development server');

    const login = await fetch(`${real.OS_AUTH_URL}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    });
    const token = login.headers.get('x-subject-token')!;
    const created = await fetch('http://127.0.0.1:3000/v1/cas', { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ subject: { CN: 'npm start real cloud' } }) });
    expect(created.status, await created.clone().text()).toBe(202);
    const { job } = (await created.json()) as { job: { id: string } };
    let status = 'queued';
    for (let i = 0; i < 300 && status !== 'succeeded' && status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = ((await (await fetch(`http://127.0.0.1:3000/v1/jobs/${job.id}`, { headers: { 'X-Auth-Token': token } })).json()) as { job: { status: string } }).job.status;
    }
    expect(status).toBe('succeeded');
  }, 150_000);
});
