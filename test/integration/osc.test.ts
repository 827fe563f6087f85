import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barbicanEndpoint, keystoneToken } from '../support/api.js';
import { makeCsr, tempDir, verifyChain } from '../support/openssl.js';
import { hasPythonModules, installPackage, runCommand } from '../support/python.js';

/**
 * `openstack ca …`: Debian's python-openstackclient with our plugin (integrations/python) on its
 * PYTHONPATH, authenticating through clouds.yaml at the stack's Keystone as any OSC command does.
 */
const available = hasPythonModules('openstackclient', 'osc_lib');
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let env: Record<string, string>;

const openstack = (user: 'admin' | 'alice', ...args: string[]) => runCommand('/usr/bin/openstack', ['--os-cloud', user, ...args], env);
const json = (r: { code: number; stdout: string; stderr: string }) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe.skipIf(!available && process.env.CI_REQUIRE_ALL !== '1')('openstack ca (OSC plugin)', () => {
  let ca: any;
  let cert: any;

  beforeAll(() => {
    const site = installPackage(tmp.dir);
    const cloud = (user: string, password: string) =>
      `  ${user}:\n    auth:\n      auth_url: ${process.env.OS_AUTH_URL}\n      username: ${user}\n      password: ${password}\n` +
      `      project_name: tenant-a\n      user_domain_name: Default\n      project_domain_name: Default\n` +
      `    identity_api_version: 3\n    ca_endpoint_override: ${process.env.API_URL}\n`;
    const clouds = join(tmp.dir, 'clouds.yaml');
    writeFileSync(clouds, `clouds:\n${cloud('admin', 'secret')}${cloud('alice', 'apass')}`);
    env = { PYTHONPATH: site, OS_CLIENT_CONFIG_FILE: clouds, HOME: tmp.dir };
  });

  it('ca create --wait: progress on stderr, the active CA as JSON', async () => {
    const r = await openstack('admin', 'ca', 'create', 'osc-root', '--subject-cn', 'OSC Root', '--subject-o', 'Demo', '--key-type', 'EC-P256', '--validity-days', '30', '--wait', '-f', 'json');
    ca = json(r);
    expect(ca).toMatchObject({ name: 'osc-root', status: 'active', subject: { CN: 'OSC Root', O: 'Demo' }, key_type: 'EC-P256' });
    expect(ca.certificate).toContain('BEGIN CERTIFICATE');
    // One line per status seen; a fast worker may have finished by the first poll, so only the last is sure.
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('job '));
    expect(progress.every((l) => /^job [0-9a-f-]{36} \(ca\.create\): (queued|running|succeeded) after \d+\.\d s$/.test(l)), r.stderr).toBe(true);
    expect(progress.at(-1)).toMatch(/: succeeded after \d+\.\d s$/);
  });

  it('ca list -f value -c id, ca show by name', async () => {
    const [r, shown] = await Promise.all([openstack('alice', 'ca', 'list', '-f', 'value', '-c', 'id'), openstack('alice', 'ca', 'show', 'osc-root', '-f', 'json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain(ca.id); // this plugin's `ca list`, not python-barbicanclient's
    expect(json(shown).id).toBe(ca.id);
  });

  it('ca certificate request --csr --san --wait (a member), then download --chain --output-dir', async () => {
    const { csr, keyPath } = makeCsr(tmp.dir, 'ec256', 'osc.example.org');
    writeFileSync(join(tmp.dir, 'web.csr'), csr);
    const r = await openstack('alice', 'ca', 'certificate', 'request', ca.id, '--csr', join(tmp.dir, 'web.csr'), '--san', 'DNS:osc.example.org', '--san', 'DNS:www.osc.example.org', '--ttl', '24h', '--wait', '-f', 'json');
    cert = json(r);
    console.log(`$ openstack ca certificate request ${ca.id} --csr web.csr --san DNS:osc.example.org --san DNS:www.osc.example.org --ttl 24h --wait -f json\n${r.stderr}${r.stdout}`);
    expect(cert).toMatchObject({ ca_id: ca.id, status: 'issued', sans: ['DNS:osc.example.org', 'DNS:www.osc.example.org'], key_location: 'client' });
    const x = new X509Certificate(cert.certificate);
    expect(Date.parse(x.validTo) - Date.parse(x.validFrom)).toBe(86_400_000);
    expect(r.stderr).toMatch(/\(certificate\.issue\): succeeded after/);

    const out = join(tmp.dir, 'out');
    const d = await openstack('alice', 'ca', 'certificate', 'download', cert.id, '--chain', '--output-dir', out);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout.trim().split('\n').sort()).toEqual(['chain', 'fullchain', ''].map((s) => join(out, `${cert.id}${s ? `.${s}` : ''}.pem`)).sort());
    const leaf = readFileSync(join(out, `${cert.id}.pem`), 'utf8');
    expect(verifyChain(tmp.dir, readFileSync(join(out, `${cert.id}.chain.pem`), 'utf8'), leaf)).toContain('OK');
    expect(new X509Certificate(leaf).checkPrivateKey(createPrivateKey(readFileSync(keyPath)))).toBe(true);
  });

  it('ca certificate list and revoke', async () => {
    const [listed, revoked] = (
      await Promise.all([
        openstack('alice', 'ca', 'certificate', 'list', '--ca', ca.id, '-f', 'json'),
        openstack('alice', 'ca', 'certificate', 'revoke', cert.id, '--reason', 'keyCompromise', '-f', 'json'),
      ])
    ).map(json);
    expect(listed).toContainEqual(expect.objectContaining({ id: cert.id, subject_cn: 'osc.example.org' }));
    expect(revoked).toMatchObject({ id: cert.id, status: 'revoked', revocation_reason: 'keyCompromise' });
  });

  it('an API error: its code and message on stderr, exit 1, no traceback', async () => {
    const [r, denied] = await Promise.all([
      openstack('alice', 'ca', 'certificate', 'show', '00000000-0000-4000-8000-000000000000'),
      openstack('alice', 'ca', 'create', '--subject-cn', 'Not Allowed'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CERTIFICATE_NOT_FOUND (404)');
    expect(r.stderr).not.toContain('Traceback');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/POLICY_DENIED:ca:cas:create \(403\)/);
    expect(denied.stderr).not.toContain('Traceback');
  });

  it('--wait on a job that fails: the job’s reason on stderr, exit 1', async () => {
    const barbican = await barbicanEndpoint(await keystoneToken('alice', 'apass', 'tenant-a'));
    const ref = `${barbican}/v1/containers/${randomUUID()}`;
    const r = await openstack('alice', 'ca', 'container', 'register', ref, '--name', 'missing', '--wait');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^job [0-9a-f-]{36} \(container\.register\): failed after/m);
    expect(r.stderr).toMatch(/failed: [A-Z_]{4,}: /);
    expect(r.stderr).not.toContain('Traceback');
    const listed = json(await openstack('alice', 'ca', 'container', 'list', '-f', 'json'));
    expect(listed).toContainEqual(expect.objectContaining({ name: 'missing', status: 'error' }));
  });

  it('ca acme eab create and list, ca profile list, ca event list', async () => {
    const eab = json(await openstack('alice', 'ca', 'acme', 'eab', 'create', ca.id, '--expires-in', '3600', '-f', 'json'));
    expect(eab.kid).toBeTruthy();
    expect(eab.hmac_key).toBeTruthy();
    expect(eab.directory_url).toMatch(new RegExp(`/cas/${ca.id}/acme/directory$`));
    const [keys, profiles, events] = (
      await Promise.all([
        openstack('alice', 'ca', 'acme', 'eab', 'list', ca.id, '-f', 'json'),
        openstack('alice', 'ca', 'profile', 'list', ca.id, '-f', 'json'),
        openstack('alice', 'ca', 'event', 'list', '--object', cert.id, '-f', 'json'),
      ])
    ).map(json);
    expect(keys).toEqual([expect.objectContaining({ kid: eab.kid, status: 'unused' })]);
    expect(JSON.stringify(keys)).not.toContain(eab.hmac_key);
    expect(profiles.map((p: any) => p.name)).toContain('default');
    expect(events.map((e: any) => e.action)).toContain('certificate.revoked');
  });
});
