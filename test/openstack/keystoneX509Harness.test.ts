import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/openssl.js';
import {
  apacheLogMark,
  apacheRefusal,
  federate,
  openstackStateDir,
  passwordToken,
  startKeystoneX509,
  stopKeystoneX509,
  unfederate,
  validateToken,
  x509Token,
  type KeystoneX509,
} from '../support/keystoneX509.js';

/**
 * The harness itself (scripts/keystone-x509-up.sh, test/support/keystoneX509.ts), proven with
 * openssl-made login CAs against the REAL Keystone of scripts/openstack-up.sh: a certificate whose
 * UID is alice's Keystone id gets a token through Apache (:5443) that the :5000 Keystone accepts,
 * and mod_ssl refuses what it must in the TLS handshake (another CA, expired, revoked by OCSP,
 * OCSP responder down).
 */
const STATE = openstackStateDir();
const AUTH = process.env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3';

const openssl = (args: string[], env?: NodeJS.ProcessEnv) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });

/** A CA directory for `openssl ca` (its index.txt is what `openssl ocsp` answers from). */
class OpensslCa {
  readonly pem: string;
  readonly dn: string;
  constructor(
    readonly dir: string,
    subject: string,
    aiaOcspUrl?: string,
  ) {
    mkdirSync(join(dir, 'newcerts'), { recursive: true });
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca = this_ca\n[this_ca]\ndir = ${dir}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\nserial = $dir/serial\n` +
        `certificate = $dir/ca.pem\nprivate_key = $dir/ca.key\ndefault_md = sha256\npolicy = policy_any\nunique_subject = no\n` +
        `copy_extensions = none\nemail_in_dn = no\npreserve = yes\n` +
        // openssl ca drops subject fields its policy does not list
        `[policy_any]\norganizationName = optional\norganizationalUnitName = optional\nuserId = optional\ncommonName = supplied\n` +
        `[req]\ndistinguished_name = req_dn\nprompt = no\n[req_dn]\nCN = placeholder\n` +
        `[ca_ext]\nbasicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n` +
        `[user_cert]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n` +
        `subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n${aiaOcspUrl ? `authorityInfoAccess = OCSP;URI:${aiaOcspUrl}\n` : ''}`,
    );
    openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-subj', subject, '-days', '30', '-config', join(dir, 'ca.cnf'), '-extensions', 'ca_ext', '-out', join(dir, 'ca.pem')]);
    this.pem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    // RFC 2253, most specific first: what mod_ssl puts in SSL_CLIENT_I_DN
    this.dn = openssl(['x509', '-in', join(dir, 'ca.pem'), '-noout', '-subject', '-nameopt', 'rfc2253']).trim().replace(/^subject=/, '');
  }

  /** A login certificate (clientAuth) for `subject`; dates YYYYMMDDHHMMSSZ, default now .. +8 h. */
  issue(name: string, subject: string, dates?: { start: string; end: string }): { certPem: string; keyPem: string; path: string } {
    const out = join(this.dir, name);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${out}.key`, '-subj', subject, '-config', join(this.dir, 'ca.cnf'), '-out', `${out}.csr`]);
    const when = dates ? ['-startdate', dates.start, '-enddate', dates.end] : ['-days', '1'];
    openssl(['ca', '-batch', '-notext', '-config', join(this.dir, 'ca.cnf'), '-extensions', 'user_cert', '-subj', subject, ...when, '-in', `${out}.csr`, '-out', `${out}.pem`]);
    return { certPem: readFileSync(`${out}.pem`, 'utf8'), keyPem: readFileSync(`${out}.key`, 'utf8'), path: `${out}.pem` };
  }

  revoke(certPath: string): void {
    openssl(['ca', '-batch', '-config', join(this.dir, 'ca.cnf'), '-revoke', certPath, '-crl_reason', 'keyCompromise']);
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * `openssl ocsp` as the CA's responder. Its pitfalls (OpenSSL 3.0): after a bare TCP connect it spins
 * and never answers again, so readiness is probed with a real OCSP request; and it answers from
 * index.txt as it was at its PREVIOUS request, hence poke() after every change.
 */
class OcspResponder {
  private child?: ChildProcess;
  readonly url: string;
  constructor(
    private readonly ca: OpensslCa,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}/`;
  }
  async start(): Promise<void> {
    const d = this.ca.dir;
    this.child = spawn('openssl', ['ocsp', '-index', join(d, 'index.txt'), '-port', String(this.port), '-rsigner', join(d, 'ca.pem'), '-rkey', join(d, 'ca.key'), '-CA', join(d, 'ca.pem')], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      if (this.poke()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`openssl ocsp on :${this.port} did not answer`);
  }
  poke(): boolean {
    try {
      openssl(['ocsp', '-issuer', join(this.ca.dir, 'ca.pem'), '-serial', '0x1', '-url', this.url, '-CAfile', join(this.ca.dir, 'ca.pem')]);
      return true;
    } catch {
      return false;
    }
  }
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
}

const MAPPING = {
  rules: [
    {
      local: [{ user: { id: '{0}', type: 'local' } }],
      remote: [{ type: 'SSL_CLIENT_VERIFY', any_one_of: ['SUCCESS'] }, { type: 'SSL_CLIENT_S_DN_UID' }],
    },
  ],
};

const tmp = tempDir();
const run = randomUUID().slice(0, 8);
const idp1 = `login-ca-${run}-1`;
const idp2 = `login-ca-${run}-2`;
const mappingId = `x509-by-uid-${run}`;
let admin: string;
let aliceId: string;
let tenantA: string;
let ca1: OpensslCa;
let ca2: OpensslCa;
let ocsp1: OcspResponder;
let ocsp2: OcspResponder;
let ks: KeystoneX509;
type Cert = ReturnType<OpensslCa['issue']>;
let alice: Cert, alice2: Cert, expired: Cert, foreign: Cert, aliceCa2: Cert;

const federateCa = (idpId: string, ca: OpensslCa) =>
  federate(AUTH, admin, {
    idpId,
    identityProvider: { remote_ids: [ca.dn], domain_id: 'default', enabled: true, description: `harness ${ca.dn}` },
    mappingId,
    mapping: MAPPING,
    protocolId: 'x509',
    protocol: { mapping_id: mappingId, remote_id_attribute: 'SSL_CLIENT_I_DN' },
  });
const token = (cert: Cert | undefined, idpId = idp1, scope?: { projectName: string; domainId: string }) =>
  x509Token({ url: ks.url, cacert: ks.cacert, certPem: cert?.certPem, keyPem: cert?.keyPem, idpId, protocolId: 'x509', scope });

beforeAll(async () => {
  admin = await passwordToken(AUTH, 'admin', 'secret', 'admin');
  const users = await (await fetch(`${AUTH}/users?name=alice`, { headers: { 'X-Auth-Token': admin } })).json();
  aliceId = users.users[0].id;
  const projects = await (await fetch(`${AUTH}/projects?name=tenant-a`, { headers: { 'X-Auth-Token': admin } })).json();
  tenantA = projects.projects[0].id;

  // Login CAs named like ours (CN=Login CA, OU=<uuid>); ca1's certificates name their responder in
  // AIA, ca2's name none (its responder is given to the script as OCSP_URL).
  const port1 = await freePort();
  ca1 = new OpensslCa(join(tmp.dir, 'ca1'), `/OU=${randomUUID()}/CN=Login CA`, `http://127.0.0.1:${port1}/`);
  ocsp1 = new OcspResponder(ca1, port1);
  ca2 = new OpensslCa(join(tmp.dir, 'ca2'), `/OU=${randomUUID()}/CN=Login CA`);
  ocsp2 = new OcspResponder(ca2, await freePort());
  const other = new OpensslCa(join(tmp.dir, 'other'), `/OU=${randomUUID()}/CN=Login CA`);
  const subject = `/CN=alice/UID=${aliceId}`;
  alice = ca1.issue('alice', subject);
  alice2 = ca1.issue('alice2', subject);
  expired = ca1.issue('expired', subject, { start: '20240101000000Z', end: '20240101080000Z' });
  foreign = other.issue('alice', subject);
  aliceCa2 = ca2.issue('alice', subject);
  await ocsp1.start();
  await ocsp2.start();

  ks = await startKeystoneX509(STATE, ca1.pem);
  await federateCa(idp1, ca1);
  await federateCa(idp2, ca2);
});

afterAll(async () => {
  await ocsp1?.stop();
  await ocsp2?.stop();
  if (admin) {
    await unfederate(AUTH, admin, { idpId: idp1 });
    await unfederate(AUTH, admin, { idpId: idp2, mappingId });
  }
  await stopKeystoneX509(STATE);
  tmp.cleanup();
});

describe('Keystone behind Apache mod_ssl: X.509 login certificates', () => {
  it('alice’s certificate gets a token through federation, and the :5000 Keystone accepts it', async () => {
    expect(ks.url).toBe('https://127.0.0.1:5443/v3');
    const r = await token(alice);
    expect(r).toMatchObject({ curlExit: 0, status: 201 });
    expect(r.token).toMatch(/^\S{100,}$/);
    const v = await validateToken(AUTH, admin, r.token!);
    expect(v.status).toBe(200);
    // methods decode the same at :5000 (the same [auth] methods list): x509, a primary method
    expect((v.body as { token: { user: { id: string }; methods: string[] } }).token).toMatchObject({ user: { id: aliceId, name: 'alice' }, methods: ['x509'] });

    // ...and it is an ordinary token for the OpenStack CLI: exchanged for a tenant-a token at :5000.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
    const out = execFileSync(
      'openstack',
      ['--os-auth-type', 'token', '--os-token', r.token!, '--os-auth-url', AUTH, '--os-identity-api-version', '3', '--os-project-name', 'tenant-a', '--os-project-domain-name', 'Default', 'token', 'issue', '-f', 'json'],
      { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(JSON.parse(out)).toMatchObject({ project_id: tenantA, user_id: aliceId });
  });

  it('scoped in the same call (POST /v3/auth/tokens, method mapped)', async () => {
    const r = await token(alice, idp1, { projectName: 'tenant-a', domainId: 'default' });
    expect(r).toMatchObject({ curlExit: 0, status: 201, body: { token: { project: { id: tenantA }, user: { id: aliceId }, methods: ['mapped'] } } });
    expect((await validateToken(AUTH, admin, r.token!)).status).toBe(200);
  });

  it('without a certificate Keystone still answers, and federation says 401', async () => {
    expect(await token(undefined)).toMatchObject({ curlExit: 0, status: 401 });
  });

  it('a certificate of a CA Apache does not trust is refused in the TLS handshake', async () => {
    const mark = apacheLogMark(STATE);
    const r = await token(foreign);
    expect(r.curlExit).not.toBe(0);
    expect(r.status).toBeUndefined();
    expect(apacheRefusal(STATE, mark)).toMatch(/AH02276: Certificate Verification: Error \(20\): unable to get local issuer certificate/);
  });

  it('an expired certificate is refused in the TLS handshake', async () => {
    const mark = apacheLogMark(STATE);
    const r = await token(expired);
    expect(r.curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/Error \(10\): certificate has expired/);
  });

  it('OCSP is asked: a revoked certificate is refused at once, and so is every one while the responder is down', async () => {
    expect(await token(alice2)).toMatchObject({ curlExit: 0, status: 201 });
    ca1.revoke(alice2.path);
    ocsp1.poke();
    let mark = apacheLogMark(STATE);
    expect((await token(alice2)).curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/certificate status: revoked/);

    await ocsp1.stop();
    mark = apacheLogMark(STATE);
    expect((await token(alice)).curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/OCSP/);
    await ocsp1.start();
    expect(await token(alice)).toMatchObject({ curlExit: 0, status: 201 });
  });

  it('run again with another CA file, the trust is replaced; OCSP_URL overrides the certificates’ AIA', async () => {
    // Apache trusts ca1 only so far
    let mark = apacheLogMark(STATE);
    expect((await token(aliceCa2, idp2)).curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/Error \(20\)/);

    // ca2's certificates name no OCSP responder: accepted only because OCSP_URL is the default one
    ks = await startKeystoneX509(STATE, ca2.pem, ocsp2.url);
    expect(await token(aliceCa2, idp2)).toMatchObject({ curlExit: 0, status: 201 });
    mark = apacheLogMark(STATE);
    expect((await token(alice)).curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/Error \(20\)/);

    // ...and that responder is asked
    await ocsp2.stop();
    mark = apacheLogMark(STATE);
    expect((await token(aliceCa2, idp2)).curlExit).not.toBe(0);
    expect(apacheRefusal(STATE, mark)).toMatch(/OCSP/);
  });
});
