import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, keystoneToken, systemToken } from '../support/api.js';
import { createLoginCa, userIdOf, waitForEnrollment } from '../support/enrollment.js';
import { federate, openstackStateDir, startKeystoneX509, validateToken, x509Token, type KeystoneX509 } from '../support/keystoneX509.js';
import { openssl, tempDir } from '../support/openssl.js';
import { freshClaims, machineCsr, signWithCertificate } from '../support/userCerts.js';

/**
 * Keystone user certificates against the REAL Keystone of scripts/openstack-up.sh, behind Apache
 * mod_ssl + mod_wsgi (scripts/keystone-x509-up.sh): the operator creates the identity provider,
 * mapping and protocol from this service's answer, Apache trusts only the login CA and asks this
 * service's OCSP responder (the URL in each certificate) about every client certificate. A user
 * enrolled through each flow gets a Keystone token with `curl --cert`, the CLI and this service
 * accept it, and a revocation through this API is refused by Apache at the next handshake.
 */
const STATE = openstackStateDir();
const AUTH = process.env.OS_AUTH_URL!;
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let sysAdmin: string;
let admin: string;
let aliceId: string;
let loginCa: any;
let keystone: any;
let ks: KeystoneX509;
const redeemToIssuedMs: number[] = [];

interface Machine {
  certificate: string;
  keyPem: string;
}

/** Enrolls alice with a one-time password an admin made; the time from redeem to certificate is kept. */
async function enrollAlice(ttl?: number): Promise<Machine & { enrollment: any }> {
  const created = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: aliceId, ...(ttl ? { ttl } : {}) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const machine = machineCsr(tmp.dir);
  const t0 = performance.now();
  const redeemed = await api('POST', `/v1/enrollments/${created.body.enrollment.id}/redeem`, { body: { one_time_password: created.body.one_time_password, csr: machine.csr } });
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(202);
  const done = await waitForEnrollment(created.body.enrollment.id);
  redeemToIssuedMs.push(performance.now() - t0);
  expect(done.status).toBe('issued');
  return { enrollment: done, certificate: done.certificate, keyPem: readFileSync(machine.keyPath, 'utf8') };
}

const login = (m: Machine, scoped = true) =>
  x509Token({ url: ks.url, cacert: ks.cacert, certPem: m.certificate, keyPem: m.keyPem, idpId: keystone.identity_provider_id, protocolId: keystone.protocol_id, ...(scoped ? { scope: { projectName: 'tenant-a', domainId: 'default' } } : {}) });

/** A certificate logs alice in: a project-scoped token that Keystone validates and this service's API accepts. */
async function expectLogsIn(m: Machine) {
  const r = await login(m);
  expect(r.curlExit, r.error).toBe(0);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const v = await validateToken(AUTH, admin, r.token!);
  expect(v.status).toBe(200);
  const token = (v.body as any).token;
  expect(token.user.id).toBe(aliceId);
  expect(token.methods).toEqual(['mapped']);
  expect(token.project.name).toBe('tenant-a');
  // ...and this service takes it like any other Keystone token.
  expect((await api('GET', '/v1/cas', { token: r.token })).status).toBe(200);
  return r.token!;
}

beforeAll(async () => {
  [sysAdmin, admin] = await Promise.all([systemToken('admin', 'secret'), keystoneToken('admin', 'secret', 'admin')]);
  aliceId = await userIdOf(await keystoneToken('alice', 'apass', 'tenant-a'));
  loginCa = await createLoginCa(sysAdmin, { name: 'Cloud Login CA', organization: 'Example Cloud' });
  keystone = (await api('GET', `/v1/login-cas/${loginCa.id}/keystone`, { token: sysAdmin })).body.keystone;
  // The operator's side, from the service's answer: Apache trusts the login CA, Keystone the IdP.
  ks = await startKeystoneX509(STATE, loginCa.certificate);
  await federate(AUTH, admin, { idpId: keystone.identity_provider_id, identityProvider: keystone.identity_provider, mappingId: keystone.mapping_id, mapping: keystone.mapping, protocolId: keystone.protocol_id, protocol: keystone.protocol });
}, 300_000);

afterAll(() => {
  if (redeemToIssuedMs.length) {
    const sorted = [...redeemToIssuedMs].sort((a, b) => a - b);
    console.log(`redeem → certificate: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms over ${sorted.length} enrollments (${sorted.map((t) => t.toFixed(0)).join(', ')} ms)`);
  }
});

describe('Keystone user certificates at a real Keystone behind Apache mod_ssl', () => {
  it('flow 1: a one-time password enrollment logs alice in (curl --cert), scoped and unscoped, and the CLI takes the token', async () => {
    const m = await enrollAlice();
    for (let i = 0; i < 4; i++) await enrollAlice();
    const token = await expectLogsIn(m);
    const unscoped = await login(m, false);
    expect(unscoped.status, JSON.stringify(unscoped.body)).toBe(201);
    // A certificate's token cannot ask for more certificates: enrolling needs the user's own first factor.
    const more = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token, body: { user_id: aliceId } });
    expect(more.status).toBe(403);
    expect(more.body.error.code).toBe('ENROLLMENT_FIRST_FACTOR_REQUIRED');
    const withPassword = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: await keystoneToken('alice', 'apass', 'tenant-a'), body: { user_id: aliceId } });
    expect(withPassword.status, JSON.stringify(withPassword.body)).toBe(201);
    const out = execFileSync('openstack', ['--os-auth-type', 'token', '--os-token', token, '--os-auth-url', AUTH, '--os-project-name', 'tenant-a', '--os-project-domain-id', 'default', '--os-identity-api-version', '3', 'token', 'issue', '-f', 'json'], { encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: tmp.dir } });
    expect(JSON.parse(out).user_id).toBe(aliceId);
  });

  it('flow 3: a new machine, approved by the one that holds a certificate, logs in with its own', async () => {
    const old = await enrollAlice();
    const minted = await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws: signWithCertificate(old.certificate, old.keyPem, 'enroll-machine+jwt', freshClaims('enroll-machine')) } });
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    const machine = machineCsr(tmp.dir);
    const id = minted.body.enrollment.id;
    expect((await api('POST', `/v1/enrollments/${id}/redeem`, { body: { one_time_password: minted.body.one_time_password, csr: machine.csr } })).body.enrollment.status).toBe('awaiting_approval');
    const approval = signWithCertificate(old.certificate, old.keyPem, 'enroll-approval+jwt', freshClaims('enroll-approval', Date.now(), { enrollment_id: id, csr_sha256: machine.sha256 }));
    expect((await api('POST', `/v1/enrollments/${id}/approve`, { body: { jws: approval } })).status).toBe(202);
    const done = await waitForEnrollment(id);
    expect(done.status).toBe('issued');
    await expectLogsIn({ certificate: done.certificate, keyPem: readFileSync(machine.keyPath, 'utf8') });
  });

  it('flow 4: the holder renews with its current key, and the successor logs in', async () => {
    const current = await enrollAlice();
    const next = machineCsr(tmp.dir);
    const jws = signWithCertificate(current.certificate, current.keyPem, 'renew+jwt', freshClaims('renew', Date.now(), { csr_sha256: next.sha256 }));
    const renewed = await api('POST', '/v1/user-certificates/renew', { body: { login_ca_id: loginCa.id, jws, csr: next.csr } });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(202);
    const done = await waitForEnrollment(renewed.body.enrollment.id);
    expect(done.status).toBe('issued');
    await expectLogsIn({ certificate: done.certificate, keyPem: readFileSync(next.keyPath, 'utf8') });
  });

  it('a revocation through this API is refused by Apache at the next handshake, without a reload', async () => {
    const m = await enrollAlice();
    await expectLogsIn(m);
    const t0 = performance.now();
    const revoked = await api('POST', `/v1/login-cas/${loginCa.id}/certificates/${m.enrollment.certificate_id}/revoke`, { token: sysAdmin, body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    let r = await login(m);
    while (r.curlExit === 0 && performance.now() - t0 < 30_000) r = await login(m);
    const ms = performance.now() - t0;
    console.log(`revoke → Apache refuses the certificate: ${ms.toFixed(0)} ms`);
    expect(r.curlExit, 'refused in the TLS handshake').not.toBe(0);
    expect(r.token).toBeUndefined();
  });

  it('an expired certificate of the login CA, and one of another CA with the same subject, are refused in the handshake', async () => {
    // 61 s with the 60 s backdate: it expires a second after it is signed.
    const short = await enrollAlice(61);
    const notAfter = Date.parse(short.enrollment.not_after);
    await new Promise((r) => setTimeout(r, Math.max(0, notAfter - Date.now()) + 1500));
    const expired = await login(short);
    expect(expired.curlExit, 'expired: refused in TLS').not.toBe(0);

    const key = `${tmp.dir}/forged.key`;
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const subj = `/O=Example Cloud/OU=login CA ${loginCa.id}/CN=Cloud Login CA`;
    const forgedCa = `${tmp.dir}/forged.pem`;
    openssl(['req', '-x509', '-new', '-key', key, '-subj', subj, '-days', '2', '-out', forgedCa, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const userKey = `${tmp.dir}/mallory.key`;
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', userKey]);
    const csr = openssl(['req', '-new', '-key', userKey, '-subj', `/CN=alice/UID=${aliceId}`]);
    const ext = `${tmp.dir}/ext.cnf`;
    execFileSync('sh', ['-c', `printf '[u]\\nextendedKeyUsage=clientAuth\\nkeyUsage=critical,digitalSignature\\n' > ${ext}`]);
    const forged = openssl(['x509', '-req', '-CA', forgedCa, '-CAkey', key, '-set_serial', '7', '-days', '1', '-extfile', ext, '-extensions', 'u'], csr);
    const wrongCa = await login({ certificate: forged, keyPem: readFileSync(userKey, 'utf8') });
    expect(wrongCa.curlExit, 'another CA: refused in TLS').not.toBe(0);
  });
});
