import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_URL, createActiveCa, keystoneToken } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';
import { installPackage, runCommand } from '../support/python.js';

/**
 * `openstack ca …` against the real Keystone of `npm run test:openstack`, through clouds.yaml as an
 * OpenStack user has it: password auth, and an application credential (keystoneauth's
 * v3applicationcredential plugin; osc-lib does the rest).
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let env: Record<string, string>;
let caId: string;

const openstack = (cloud: string, ...args: string[]) => runCommand('/usr/bin/openstack', ['--os-cloud', cloud, ...args], env, 90_000);

beforeAll(async () => {
  const admin = await keystoneToken('admin', 'secret', 'tenant-a');
  caId = (await createActiveCa(admin, { subject: { CN: 'OSC Real Keystone Root' }, validity_days: 30 })).id;
  // An application credential of alice's on tenant-a, made through Keystone's API as `openstack application credential create` does.
  const alice = await keystoneToken('alice', 'apass', 'tenant-a');
  const me = (await (await fetch(`${AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': alice, 'X-Subject-Token': alice } })).json()) as { token: { user: { id: string } } };
  const made = await fetch(`${AUTH_URL}/users/${me.token.user.id}/application_credentials`, {
    method: 'POST',
    headers: { 'X-Auth-Token': alice, 'Content-Type': 'application/json' },
    body: JSON.stringify({ application_credential: { name: `osc-test-${Date.now()}` } }),
  });
  expect(made.status).toBe(201);
  const cred = ((await made.json()) as { application_credential: { id: string; secret: string } }).application_credential;
  const override = `    ca_endpoint_override: ${process.env.API_URL}\n    identity_api_version: 3\n`;
  writeFileSync(
    join(tmp.dir, 'clouds.yaml'),
    `clouds:\n` +
      `  alice:\n    auth:\n      auth_url: ${AUTH_URL}\n      username: alice\n      password: apass\n      project_name: tenant-a\n      user_domain_name: Default\n      project_domain_name: Default\n${override}` +
      `  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: ${AUTH_URL}\n      application_credential_id: ${cred.id}\n      application_credential_secret: ${cred.secret}\n${override}`,
  );
  env = { PYTHONPATH: installPackage(tmp.dir), OS_CLIENT_CONFIG_FILE: join(tmp.dir, 'clouds.yaml'), HOME: tmp.dir };
}, 120_000);

describe('openstack ca with a real Keystone', () => {
  it('password auth: lists the project\'s CAs and requests a certificate with --wait', async () => {
    const listed = await openstack('alice', 'ca', 'list', '-f', 'value', '-c', 'id');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\n')).toContain(caId);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'real.example.org');
    writeFileSync(join(tmp.dir, 'real.csr'), csr);
    const issued = await openstack('alice', 'ca', 'certificate', 'request', caId, '--csr', join(tmp.dir, 'real.csr'), '--san', 'DNS:real.example.org', '--wait', '-f', 'json');
    expect(issued.code, issued.stderr).toBe(0);
    expect(JSON.parse(issued.stdout)).toMatchObject({ ca_id: caId, status: 'issued', sans: ['DNS:real.example.org'] });
  }, 120_000);

  it('application-credential auth: the same project, without a password', async () => {
    const listed = await openstack('appcred', 'ca', 'certificate', 'list', '--ca', caId, '-f', 'json');
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ sans: string[] }>).some((c) => JSON.stringify(c).includes('real.example.org'))).toBe(true);
  }, 120_000);

  it('an API error is the API\'s code and message, a non-zero exit, no traceback', async () => {
    const r = await openstack('appcred', 'ca', 'show', crypto.randomUUID());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('CA_NOT_FOUND');
    expect(r.stderr).not.toContain('Traceback');
  }, 120_000);
});
