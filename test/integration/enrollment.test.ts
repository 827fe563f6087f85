import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, systemToken } from '../support/api.js';
import { createLoginCa, userIdOf, waitForEnrollment } from '../support/enrollment.js';
import { makeCsr, openssl, tempDir, verifyChain } from '../support/openssl.js';
import { freshClaims, machineCsr, signWithCertificate } from '../support/userCerts.js';

/**
 * Keystone user certificates on the local stack, end to end with openssl-made keys: an operator's
 * login CA, the three enrollment flows (one-time password; a new machine approved by one that
 * holds a certificate; renewal by the holder), revocation, and what tenants cannot reach.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let sysAdmin: string;
let alice: string;
let bob: string;
let aliceId: string;
let bobId: string;
let loginCa: any;
const file = (name: string, data: string) => {
  const p = join(tmp.dir, `${name}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, data);
  return p;
};

/** An admin's enrollment for `userId`, redeemed with a fresh openssl key: the issued enrollment and the key. */
async function enrollWithOtp(userId: string, token = sysAdmin) {
  const created = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token, body: { user_id: userId } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const machine = machineCsr(tmp.dir);
  const redeemed = await api('POST', `/v1/enrollments/${created.body.enrollment.id}/redeem`, { body: { one_time_password: created.body.one_time_password, csr: machine.csr } });
  expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(202);
  const done = await waitForEnrollment(created.body.enrollment.id);
  expect(done.status).toBe('issued');
  return { enrollment: done, otp: created.body.one_time_password as string, keyPem: readFileSync(machine.keyPath, 'utf8'), keyPath: machine.keyPath, csr: machine.csr };
}

function ocspStatus(certPem: string): string {
  const url = /OCSP - URI:(\S+)/.exec(openssl(['x509', '-noout', '-text'], certPem))![1];
  const ca = file('ca', loginCa.certificate);
  const run = spawnSync('openssl', ['ocsp', '-issuer', ca, '-cert', file('leaf', certPem), '-url', url, '-CAfile', ca, '-no_nonce'], { encoding: 'utf8' });
  return run.stdout + run.stderr;
}

beforeAll(async () => {
  [sysAdmin, alice, bob] = await Promise.all([systemToken('admin', 'secret'), keystoneToken('alice', 'apass', 'tenant-a'), keystoneToken('bob', 'bpass2', 'tenant-b')]);
  [aliceId, bobId] = await Promise.all([userIdOf(alice), userIdOf(bob)]);
  loginCa = await createLoginCa(sysAdmin);
});

describe('login CAs', () => {
  it('are made only by a system-scoped admin; a project admin, a member and nobody cannot', async () => {
    const projectAdmin = await keystoneToken('admin', 'secret', 'tenant-a');
    expect((await api('POST', '/v1/login-cas', { token: projectAdmin, body: { name: 'x' } })).body.error.code).toBe('POLICY_DENIED:ca:login_cas:create');
    expect((await api('POST', '/v1/login-cas', { token: alice, body: { name: 'x' } })).status).toBe(403);
    expect((await api('POST', '/v1/login-cas', { body: { name: 'x' } })).status).toBe(401);
    const bad = await api('POST', '/v1/login-cas', { token: sysAdmin, body: { name: 'x', user_certificates: { default_ttl: 7200, max_ttl: 3600 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BODY_INVALID');
  });

  it('carry their id in the subject and tell the operator what to create in Keystone', async () => {
    expect(loginCa.subject).toEqual({ CN: 'Keystone Login CA', OU: `login CA ${loginCa.id}` });
    const { status, body } = await api('GET', `/v1/login-cas/${loginCa.id}/keystone`, { token: sysAdmin });
    expect(status).toBe(200);
    const issuer = openssl(['x509', '-noout', '-subject', '-nameopt', 'rfc2253'], loginCa.certificate).trim().replace(/^subject=/, '');
    expect(body.keystone.identity_provider.remote_ids).toEqual([issuer]);
    expect(body.keystone.protocol).toEqual({ mapping_id: body.keystone.mapping_id, remote_id_attribute: 'SSL_CLIENT_I_DN' });
    expect(body.keystone.mapping.rules[0].remote).toEqual([{ type: 'SSL_CLIENT_VERIFY', any_one_of: ['SUCCESS'] }, { type: 'SSL_CLIENT_S_DN_UID' }]);
    expect((await api('GET', `/v1/login-cas/${loginCa.id}/keystone`, { token: alice })).status).toBe(403);
  });

  it('are no tenant’s: a project token sees no such CA (404), and a tenant CA cannot issue a user certificate (403)', async () => {
    expect((await api('GET', `/v1/cas/${loginCa.id}`, { token: alice })).status).toBe(404);
    // Nor an ACME server: a login CA issues only through enrollment.
    const directory = await fetch(`${process.env.API_URL}/v1/public/system/cas/${loginCa.id}/acme/directory`);
    expect(directory.status).toBe(404);
    expect(directory.headers.get('content-type')).toBe('application/problem+json');
    const admin = await keystoneToken('admin', 'secret', 'tenant-a');
    const tenantCa = await createActiveCa(admin, { subject: { CN: 'Tenant Root' } });
    const { csr } = makeCsr(tmp.dir, 'ec256', 'alice');
    const refused = await api('POST', `/v1/cas/${tenantCa.id}/certificates`, { token: alice, body: { csr, profile: 'keystone_user' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('USER_CERTIFICATE_NOT_ALLOWED');
  });
});

describe('enrollment with a one-time password', () => {
  it('an admin enrolls a user: the new machine redeems without a token and gets CN=<name>, UID=<id>, e-mail, clientAuth', async () => {
    const { enrollment } = await enrollWithOtp(aliceId);
    expect(verifyChain(tmp.dir, loginCa.certificate, enrollment.certificate)).toContain('OK');
    const subject = openssl(['x509', '-noout', '-subject', '-nameopt', 'rfc2253'], enrollment.certificate).trim();
    expect(subject).toBe(`subject=UID=${aliceId},CN=alice`);
    const text = openssl(['x509', '-noout', '-text'], enrollment.certificate);
    expect(text).toContain('email:alice@example.org');
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(ocspStatus(enrollment.certificate)).toMatch(/: good/);
    expect(enrollment.user).toEqual({ id: aliceId, name: 'alice' });
  });

  it('the password works once, and is never shown again', async () => {
    const { enrollment, otp } = await enrollWithOtp(aliceId);
    const again = await api('POST', `/v1/enrollments/${enrollment.id}/redeem`, { body: { one_time_password: otp, csr: machineCsr(tmp.dir).csr } });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('ENROLLMENT_DENIED');
    expect(JSON.stringify((await api('GET', `/v1/enrollments/${enrollment.id}`)).body)).not.toContain(otp);
  });

  it('five wrong passwords lock it: every wrong guess gets the same answer, and then the right one too', async () => {
    const created = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: bobId } });
    const id = created.body.enrollment.id;
    const csr = machineCsr(tmp.dir).csr;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await api('POST', `/v1/enrollments/${id}/redeem`, { body: { one_time_password: `WRONG-${i}`, csr } }));
    expect(new Set(answers.map((a) => `${a.status} ${a.body.error.code} ${a.body.error.message}`)).size).toBe(1);
    expect(answers[0].status).toBe(401);
    const right = await api('POST', `/v1/enrollments/${id}/redeem`, { body: { one_time_password: created.body.one_time_password, csr } });
    expect(right.status).toBe(401);
    expect(right.body.error.message).toBe(answers[0].body.error.message);
    const shown = (await api('GET', `/v1/enrollments/${id}`)).body.enrollment;
    expect(shown).toMatchObject({ status: 'locked', failed_attempts: 5 });
  });

  it('a bad CSR is a 400 and does not use the password up', async () => {
    const created = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: bobId } });
    const weak = makeCsr(tmp.dir, 'rsa1024', 'bob').csr;
    const refused = await api('POST', `/v1/enrollments/${created.body.enrollment.id}/redeem`, { body: { one_time_password: created.body.one_time_password, csr: weak } });
    expect(refused.status).toBe(400);
    const ok = await api('POST', `/v1/enrollments/${created.body.enrollment.id}/redeem`, { body: { one_time_password: created.body.one_time_password, csr: machineCsr(tmp.dir).csr } });
    expect(ok.status).toBe(202);
    expect((await waitForEnrollment(created.body.enrollment.id)).status).toBe('issued');
  });

  it('a user enrolls themselves with their own token, for themselves only; Keystone must know the user', async () => {
    const own = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: alice, body: { user_id: aliceId } });
    expect(own.status).toBe(201);
    const other = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: alice, body: { user_id: bobId } });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('POLICY_DENIED:ca:enrollments:create');
    const nobody = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: 'ffffffffffffffffffffffffffffffff' } });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('USER_NOT_FOUND');
    expect((await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: aliceId, ttl: 40 * 86400 } })).status).toBe(400);
  });
});

describe('a new machine approved by one that holds a certificate, and renewal by the holder', () => {
  let current: { certificate: string; keyPem: string };
  beforeAll(async () => {
    const { enrollment, keyPem } = await enrollWithOtp(aliceId);
    current = { certificate: enrollment.certificate, keyPem };
  });
  const mint = (claims = freshClaims('enroll-machine')) =>
    api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws: signWithCertificate(current.certificate, current.keyPem, 'enroll-machine+jwt', claims) } });

  it('mint, redeem, wait for approval showing the CSR hash, approve: the new machine gets its own certificate', async () => {
    const minted = await mint();
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    const id = minted.body.enrollment.id;
    const machine = machineCsr(tmp.dir);
    const redeemed = await api('POST', `/v1/enrollments/${id}/redeem`, { body: { one_time_password: minted.body.one_time_password, csr: machine.csr } });
    expect(redeemed.status).toBe(202);
    expect(redeemed.body.enrollment).toMatchObject({ status: 'awaiting_approval', csr_sha256: machine.sha256 });
    const approval = (claims: Record<string, unknown>, cert = current) => signWithCertificate(cert.certificate, cert.keyPem, 'enroll-approval+jwt', { ...freshClaims('enroll-approval'), ...claims });
    // Another CSR's hash: refused, and the enrollment still waits.
    const wrongHash = await api('POST', `/v1/enrollments/${id}/approve`, { body: { jws: approval({ enrollment_id: id, csr_sha256: machineCsr(tmp.dir).sha256 }) } });
    expect(wrongHash.status).toBe(403);
    expect(wrongHash.body.error.code).toBe('CSR_MISMATCH');
    // Bob's certificate approves nothing of alice's.
    const bobs = await enrollWithOtp(bobId);
    const byBob = await api('POST', `/v1/enrollments/${id}/approve`, { body: { jws: approval({ enrollment_id: id, csr_sha256: machine.sha256 }, { certificate: bobs.enrollment.certificate, keyPem: bobs.keyPem }) } });
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.code).toBe('ENROLLMENT_WRONG_USER');
    const jws = approval({ enrollment_id: id, csr_sha256: machine.sha256 });
    const approved = await api('POST', `/v1/enrollments/${id}/approve`, { body: { jws } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(202);
    const done = await waitForEnrollment(id);
    expect(done.status).toBe('issued');
    expect(verifyChain(tmp.dir, loginCa.certificate, done.certificate)).toContain('OK');
    expect(openssl(['x509', '-noout', '-subject', '-nameopt', 'rfc2253'], done.certificate).trim()).toBe(`subject=UID=${aliceId},CN=alice`);
    // The same JWS again: used.
    const replay = await api('POST', `/v1/enrollments/${id}/approve`, { body: { jws } });
    expect(replay.status).toBe(409);
  });

  it('a signed request is used once: the same JWS again is refused as replayed', async () => {
    const jws = signWithCertificate(current.certificate, current.keyPem, 'enroll-machine+jwt', freshClaims('enroll-machine'));
    expect((await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws } })).status).toBe(201);
    const again = await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws } });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('JWS_REPLAYED');
    // A JWS made for another step is refused whatever its signature.
    const approval = signWithCertificate(current.certificate, current.keyPem, 'enroll-approval+jwt', freshClaims('enroll-approval'));
    expect((await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws: approval } })).body.error.code).toBe('JWS_CLAIMS_INVALID');
  });

  it('a JWS from a certificate of another CA with the same subject is refused', async () => {
    const forgedKey = file('forged.key', openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const subj = '/' + openssl(['x509', '-noout', '-subject', '-nameopt', 'compat'], loginCa.certificate).trim().replace(/^subject=\/?/, '').replace(/, /g, '/');
    const forgedCa = file('forged.pem', openssl(['req', '-x509', '-new', '-key', forgedKey, '-subj', subj, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE']));
    const userKey = file('user.key', openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const ext = file('ext', '[u]\nextendedKeyUsage=clientAuth\n');
    const csr = openssl(['req', '-new', '-key', userKey, '-subj', `/CN=alice/UID=${aliceId}`]);
    const cert = openssl(['x509', '-req', '-CA', forgedCa, '-CAkey', forgedKey, '-set_serial', '1', '-days', '1', '-extfile', ext, '-extensions', 'u'], csr);
    const jws = signWithCertificate(cert, readFileSync(userKey, 'utf8'), 'enroll-machine+jwt', freshClaims('enroll-machine'));
    const refused = await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws } });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('JWS_CERTIFICATE_UNTRUSTED');
  });

  it('the holder renews with a JWS over the new CSR’s hash: a successor for the new key, no token, no password', async () => {
    const next = machineCsr(tmp.dir);
    const jws = signWithCertificate(current.certificate, current.keyPem, 'renew+jwt', freshClaims('renew', Date.now(), { csr_sha256: next.sha256 }));
    const renewed = await api('POST', '/v1/user-certificates/renew', { body: { login_ca_id: loginCa.id, jws, csr: next.csr } });
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(202);
    const done = await waitForEnrollment(renewed.body.enrollment.id);
    expect(done).toMatchObject({ status: 'issued', kind: 'renewal' });
    expect(done.renews).toBeTruthy();
    expect(verifyChain(tmp.dir, loginCa.certificate, done.certificate)).toContain('OK');
    // The hash binds the CSR: another CSR under the same JWS is refused (and the JWS is used up anyway).
    const other = await api('POST', '/v1/user-certificates/renew', {
      body: { login_ca_id: loginCa.id, jws: signWithCertificate(current.certificate, current.keyPem, 'renew+jwt', freshClaims('renew', Date.now(), { csr_sha256: next.sha256 })), csr: machineCsr(tmp.dir).csr },
    });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('CSR_MISMATCH');
    // One successor per certificate: a second renewal of the same one is refused.
    const twice = machineCsr(tmp.dir);
    const again = await api('POST', '/v1/user-certificates/renew', {
      body: { login_ca_id: loginCa.id, jws: signWithCertificate(current.certificate, current.keyPem, 'renew+jwt', freshClaims('renew', Date.now(), { csr_sha256: twice.sha256 })), csr: twice.csr },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CERTIFICATE_ALREADY_RENEWED');
  });
});

describe('a user’s machines', () => {
  it('an admin lists them, revokes one (OCSP says revoked, its key signs nothing more) and then all', async () => {
    const [one, two] = [await enrollWithOtp(bobId), await enrollWithOtp(bobId)];
    const listed = await api('GET', `/v1/login-cas/${loginCa.id}/certificates?user_id=${bobId}`, { token: sysAdmin });
    expect(listed.status).toBe(200);
    const ids = listed.body.certificates.map((c: any) => c.id);
    expect(ids).toEqual(expect.arrayContaining([one.enrollment.certificate_id, two.enrollment.certificate_id]));
    expect(listed.body.certificates.every((c: any) => c.user.id === bobId)).toBe(true);
    // Alice sees only her own machines.
    expect((await api('GET', `/v1/login-cas/${loginCa.id}/certificates?user_id=${bobId}`, { token: alice })).status).toBe(403);

    const revoked = await api('POST', `/v1/login-cas/${loginCa.id}/certificates/${one.enrollment.certificate_id}/revoke`, { token: sysAdmin, body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    await expect.poll(() => ocspStatus(one.enrollment.certificate), { timeout: 15_000, interval: 100 }).toMatch(/: revoked/);
    const jws = signWithCertificate(one.enrollment.certificate, one.keyPem, 'enroll-machine+jwt', freshClaims('enroll-machine'));
    const refused = await api('POST', '/v1/enrollments', { body: { login_ca_id: loginCa.id, jws } });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('JWS_CERTIFICATE_REVOKED');

    const open = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: bobId } });
    const all = await api('POST', `/v1/login-cas/${loginCa.id}/users/${bobId}/revoke`, { token: sysAdmin, body: {} });
    expect(all.status).toBe(200);
    // No way back in: the open one-time password is locked with the certificates.
    expect(all.body.locked_enrollments).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `/v1/enrollments/${open.body.enrollment.id}`)).body.enrollment.status).toBe('locked');
    expect((await api('POST', `/v1/enrollments/${open.body.enrollment.id}/redeem`, { body: { one_time_password: open.body.one_time_password, csr: machineCsr(tmp.dir).csr } })).status).toBe(401);
    expect(all.body.certificates.map((c: any) => c.id)).toContain(two.enrollment.certificate_id);
    await expect.poll(() => ocspStatus(two.enrollment.certificate), { timeout: 15_000, interval: 100 }).toMatch(/: revoked/);
  });

  it('every step is in the system project’s audit trail, which only a system admin reads', async () => {
    const { enrollment, otp } = await enrollWithOtp(aliceId);
    const { status, body } = await api('GET', `/v1/system/events?object_id=${enrollment.id}`, { token: sysAdmin });
    expect(status).toBe(200);
    expect(body.events.map((e: any) => e.action)).toEqual(expect.arrayContaining(['enrollment.created', 'enrollment.redeemed']));
    // The password itself, with or without its dashes (a pattern of its shape also matched base64url CSR hashes now and then).
    expect(otp).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4})+$/);
    for (const form of [otp, otp.replace(/-/g, '')]) expect(JSON.stringify(body)).not.toContain(form);
    expect((await api('GET', '/v1/system/events', { token: alice })).status).toBe(403);
    // A tenant's own trail has none of it.
    expect(JSON.stringify((await api('GET', '/v1/events?limit=200', { token: alice })).body)).not.toContain(enrollment.id);
  });

  it('a user certificate is not in any project: a tenant token gets 404 for it', async () => {
    const { enrollment } = await enrollWithOtp(aliceId);
    expect((await api('GET', `/v1/certificates/${enrollment.certificate_id}`, { token: alice })).status).toBe(404);
    expect((await api('POST', `/v1/certificates/${enrollment.certificate_id}/revoke`, { token: alice, body: {} })).status).toBe(404);
  });
});
