import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, tempDir } from '../support/openssl.js';
import { hasPythonModules, installPackage, runCommand, type Run } from '../support/python.js';

/**
 * Keystone user certificates with `openstack ca …` (Debian's python-openstackclient, our plugin,
 * python3-cryptography): an operator (system-scoped admin) makes a login CA and a one-time password
 * for alice; "machines" with no Keystone credentials at all (no clouds.yaml, only OS_CA_ENDPOINT)
 * enroll, mint a password for another machine, approve it and renew, as a user would run them.
 */
const available = hasPythonModules('openstackclient', 'osc_lib', 'cryptography');
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let site: string;
let adminEnv: Record<string, string>;

const admin = (...args: string[]) => runCommand('/usr/bin/openstack', ['--os-cloud', 'sysadmin', '--os-system-scope', 'all', ...args], adminEnv);
const alice = (...args: string[]) => runCommand('/usr/bin/openstack', ['--os-cloud', 'alice', ...args], adminEnv);

/** A machine: its own directory and HOME, no OpenStack credentials, the CA's URL only. */
function machine(name: string) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  const env = { PYTHONPATH: site, HOME: dir, OS_CA_ENDPOINT: process.env.API_URL! };
  return {
    dir,
    file: (f: string) => join(dir, f),
    run: (args: string[], extra: Record<string, string> = {}, timeoutMs = 120_000) => runCommand('/usr/bin/openstack', args, { ...env, ...extra }, timeoutMs),
  };
}

const json = (r: Run) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const subjectOf = (pem: string) => openssl(['x509', '-noout', '-subject', '-nameopt', 'rfc2253'], pem).trim();
function verify(caFile: string, certFile: string): string {
  const r = spawnSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', caFile, certFile], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe.skipIf(!available && process.env.CI_REQUIRE_ALL !== '1')('openstack ca enroll … (machine enrollment with the OSC plugin)', () => {
  let loginCa: any;
  let caFile: string;
  let aliceId: string;
  let m1CertificateId: string;
  const m1 = () => machine('m1');
  const m2 = () => machine('m2');

  beforeAll(async () => {
    site = installPackage(tmp.dir);
    const auth = (user: string, password: string, project?: string) =>
      `    auth:\n      auth_url: ${process.env.OS_AUTH_URL}\n      username: ${user}\n      password: ${password}\n      user_domain_name: Default\n` +
      (project ? `      project_name: ${project}\n      project_domain_name: Default\n` : '') +
      `    identity_api_version: 3\n    ca_endpoint_override: ${process.env.API_URL}\n`;
    const clouds = join(tmp.dir, 'clouds.yaml');
    // The operator's cloud has no project: --os-system-scope all gives the system-scoped token.
    writeFileSync(clouds, `clouds:\n  sysadmin:\n${auth('admin', 'secret')}  alice:\n${auth('alice', 'apass', 'tenant-a')}`);
    adminEnv = { PYTHONPATH: site, OS_CLIENT_CONFIG_FILE: clouds, HOME: tmp.dir };
    const id = await alice('token', 'issue', '-f', 'value', '-c', 'user_id');
    expect(id.code, id.stderr).toBe(0);
    aliceId = id.stdout.trim();
  });

  it('login-ca create --wait (system scope), list, show by name, keystone', async () => {
    const r = await admin('ca', 'login-ca', 'create', 'OSC Login CA', '--organization', 'Example Cloud', '--default-ttl', '8h', '--max-ttl', '7d', '--wait', '-f', 'json');
    loginCa = json(r);
    expect(loginCa).toMatchObject({ name: 'OSC Login CA', status: 'active', subject: { CN: 'OSC Login CA', O: 'Example Cloud', OU: `login CA ${loginCa.id}` } });
    expect(loginCa.user_certificates).toEqual({ default_ttl: 28800, max_ttl: 604800 });
    expect(r.stderr).toMatch(/login CA [0-9a-f-]{36}: active after \d+\.\d s/);
    caFile = join(tmp.dir, 'login-ca.pem');
    writeFileSync(caFile, loginCa.certificate);

    const [listed, shown, keystone, tenant] = await Promise.all([
      admin('ca', 'login-ca', 'list', '-f', 'json'),
      admin('ca', 'login-ca', 'show', 'OSC Login CA', '-f', 'json'),
      admin('ca', 'login-ca', 'keystone', loginCa.id, '-f', 'json'),
      alice('ca', 'login-ca', 'create', 'Not Mine'),
    ]);
    expect(json(listed)).toContainEqual(expect.objectContaining({ id: loginCa.id, status: 'active', subject_cn: 'OSC Login CA' }));
    expect(json(shown).id).toBe(loginCa.id);
    const ks = json(keystone);
    expect(ks.identity_provider_id).toBe(`login-ca-${loginCa.id}`);
    expect(ks.identity_provider.remote_ids).toEqual([subjectOf(loginCa.certificate).replace(/^subject=/, '')]);
    expect(ks.protocol).toEqual({ mapping_id: ks.mapping_id, remote_id_attribute: 'SSL_CLIENT_I_DN' });
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toMatch(/POLICY_DENIED:ca:login_cas:create \(403\)/);
    expect(tenant.stderr).not.toContain('Traceback');
  });

  it('enrollment create (admin) and `ca enroll` on a machine without credentials: key 0600, CN=alice, UID=<id>', async () => {
    const created = json(await admin('ca', 'enrollment', 'create', loginCa.id, '--user', aliceId, '--expires-in', '1h', '-f', 'json'));
    expect(created).toMatchObject({ status: 'pending', user: { id: aliceId, name: 'alice' } });
    expect(created.one_time_password).toBeTruthy();

    const m = m1();
    const r = await m.run(['ca', 'enroll', created.id, '--key-out', m.file('me.key'), '--cert-out', m.file('me.pem'), '--chain-out', m.file('ca.pem'), '-f', 'json'], { OS_CA_ONE_TIME_PASSWORD: created.one_time_password });
    const done = json(r);
    console.log(`$ openstack ca enroll ${created.id} --key-out me.key --cert-out me.pem -f json\n${r.stderr}${r.stdout}`);
    expect(done).toMatchObject({ enrollment_id: created.id, status: 'issued', user: { id: aliceId, name: 'alice' }, key_file: m.file('me.key'), certificate_file: m.file('me.pem') });
    expect(r.stdout + r.stderr).not.toContain(created.one_time_password);
    expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');
    m1CertificateId = done.certificate_id;
    expect(mode(m.file('me.key'))).toBe('600');
    const pem = readFileSync(m.file('me.pem'), 'utf8');
    expect(verify(caFile, m.file('me.pem'))).toContain(': OK');
    expect(subjectOf(pem)).toBe(`subject=UID=${aliceId},CN=alice`);
    expect(new X509Certificate(pem).checkPrivateKey(createPrivateKey(readFileSync(m.file('me.key'))))).toBe(true);
    expect(createPrivateKey(readFileSync(m.file('me.key'))).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(readFileSync(m.file('ca.pem'), 'utf8').trim()).toBe(loginCa.certificate.trim());

    // Used once: the same password again is refused with the API's code, and leaves no key behind.
    const again = await m.run(['ca', 'enroll', created.id, '--one-time-password', created.one_time_password, '--key-out', m.file('again.key'), '--cert-out', m.file('again.pem')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ENROLLMENT_DENIED (401)');
    expect(again.stderr).not.toContain('Traceback');
    expect(() => statSync(m.file('again.key'))).toThrow();
  }, 120_000);

  it('machine-enrollment create on machine 1, enroll on machine 2 (RSA), enrollment approve with the fingerprint', async () => {
    const one = m1();
    const two = m2();
    const minted = await one.run(['ca', 'machine-enrollment', 'create', '--cert', one.file('me.pem'), '--key', one.file('me.key'), '--expires-in', '10m', '-f', 'json']);
    const mint = json(minted);
    expect(mint).toMatchObject({ status: 'pending', login_ca_id: loginCa.id, user: { id: aliceId, name: 'alice' } });
    expect(mint.one_time_password).toBeTruthy();

    // Machine 2 redeems and waits for the approval (in the background, as a user's second terminal).
    const enrolling = two.run(['ca', 'enroll', mint.id, '--one-time-password', mint.one_time_password, '--key-type', 'RSA-2048', '--key-out', two.file('me.key'), '--cert-out', two.file('me.pem'), '-f', 'json']);
    let waiting: any;
    await expect
      .poll(async () => {
        waiting = json(await admin('ca', 'enrollment', 'show', mint.id, '-f', 'json'));
        return waiting.status;
      }, { timeout: 30_000, interval: 250 })
      .toBe('awaiting_approval');
    expect(waiting.csr_sha256).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Another fingerprint: refused here, nothing is sent, the enrollment still waits.
    const wrong = await one.run(['ca', 'enrollment', 'approve', mint.id, '--cert', one.file('me.pem'), '--key', one.file('me.key'), '--csr-sha256', 'A'.repeat(43)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`waits with CSR sha256 ${waiting.csr_sha256}, not ${'A'.repeat(43)}`);
    expect(wrong.stderr).not.toContain('Traceback');
    // Without a fingerprint and without a terminal: refused too.
    const unseen = await one.run(['ca', 'enrollment', 'approve', mint.id, '--cert', one.file('me.pem'), '--key', one.file('me.key')]);
    expect(unseen.code).toBe(1);
    expect(unseen.stderr).toContain('--csr-sha256');

    const approved = json(await one.run(['ca', 'enrollment', 'approve', mint.id, '--cert', one.file('me.pem'), '--key', one.file('me.key'), '--csr-sha256', waiting.csr_sha256, '-f', 'json']));
    expect(approved).toMatchObject({ id: mint.id, kind: 'machine', csr_sha256: waiting.csr_sha256 });
    expect(['issuing', 'issued']).toContain(approved.status);

    const r = await enrolling;
    const done = json(r);
    console.log(`$ openstack ca enroll ${mint.id} --key-type RSA-2048 … (machine 2)\n${r.stderr}`);
    expect(r.stderr).toContain(`CSR sha256: ${waiting.csr_sha256}`);
    expect(r.stderr).toMatch(/awaiting_approval after/);
    expect(r.stdout + r.stderr).not.toContain(mint.one_time_password);
    expect(done).toMatchObject({ status: 'issued', csr_sha256: waiting.csr_sha256 });
    expect(verify(caFile, two.file('me.pem'))).toContain(': OK');
    expect(subjectOf(readFileSync(two.file('me.pem'), 'utf8'))).toBe(`subject=UID=${aliceId},CN=alice`);
    const key = createPrivateKey(readFileSync(two.file('me.key')));
    expect([key.asymmetricKeyType, key.asymmetricKeyDetails?.modulusLength]).toEqual(['rsa', 2048]);
    expect(mode(two.file('me.key'))).toBe('600');
  }, 120_000);

  it('user-certificate renew on machine 2 (an RS256 JWS): a new key and its certificate, the old ones untouched', async () => {
    const two = m2();
    const before = readFileSync(two.file('me.key'), 'utf8');
    const r = await two.run(['ca', 'user-certificate', 'renew', '--login-ca', loginCa.id, '--cert', two.file('me.pem'), '--key', two.file('me.key'), '--key-out', two.file('new.key'), '--cert-out', two.file('new.pem'), '-f', 'json']);
    const done = json(r);
    expect(done).toMatchObject({ status: 'issued', kind: 'renewal', key_file: two.file('new.key') });
    expect(done.renews).toBeTruthy();
    expect(verify(caFile, two.file('new.pem'))).toContain(': OK');
    expect(subjectOf(readFileSync(two.file('new.pem'), 'utf8'))).toBe(`subject=UID=${aliceId},CN=alice`);
    expect(readFileSync(two.file('new.key'), 'utf8')).not.toBe(before);
    expect(readFileSync(two.file('me.key'), 'utf8')).toBe(before);
    expect(new X509Certificate(readFileSync(two.file('new.pem'))).checkPrivateKey(createPrivateKey(readFileSync(two.file('new.key'))))).toBe(true);
    expect(createPrivateKey(readFileSync(two.file('new.key'))).asymmetricKeyType).toBe('rsa'); // the current key's type
    expect(mode(two.file('new.key'))).toBe('600');
  });

  it('user-certificate list and enrollment list (admin); revoke one: its key signs nothing more', async () => {
    const [certs, enrollments] = await Promise.all([
      admin('ca', 'user-certificate', 'list', loginCa.id, '--user', aliceId, '-f', 'json'),
      admin('ca', 'enrollment', 'list', loginCa.id, '--user', aliceId, '-f', 'json'),
    ]).then((rs) => rs.map(json));
    expect(certs.length).toBe(3);
    expect(certs.every((c: any) => c.user_id === aliceId && c.user_name === 'alice' && c.status === 'issued')).toBe(true);
    expect(enrollments.map((e: any) => e.kind).sort()).toEqual(['machine', 'otp', 'renewal']);

    expect(certs.map((c: any) => c.id)).toContain(m1CertificateId);

    const one = m1();
    const revoked = json(await admin('ca', 'user-certificate', 'revoke', loginCa.id, m1CertificateId, '--reason', 'keyCompromise', '-f', 'json'));
    expect(revoked).toEqual([expect.objectContaining({ id: m1CertificateId, status: 'revoked', revocation_reason: 'keyCompromise' })]);
    let last: Run | undefined;
    await expect
      .poll(async () => {
        last = await one.run(['ca', 'machine-enrollment', 'create', '--cert', one.file('me.pem'), '--key', one.file('me.key')]);
        return last.stderr;
      }, { timeout: 20_000, interval: 250 })
      .toContain('JWS_CERTIFICATE_REVOKED (401)');
    expect(last!.code).toBe(1);
    expect(last!.stderr).not.toContain('Traceback');
  }, 120_000);

  it('a machine command without an endpoint says how to give one', async () => {
    const r = await runCommand('/usr/bin/openstack', ['ca', 'enroll', '00000000-0000-4000-8000-000000000000', '--one-time-password', 'x', '--key-out', join(tmp.dir, 'x.key'), '--cert-out', join(tmp.dir, 'x.pem')], { PYTHONPATH: site, HOME: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--os-ca-endpoint');
    expect(r.stderr).not.toContain('Traceback');
    expect(() => statSync(join(tmp.dir, 'x.key'))).toThrow();
  });
});
