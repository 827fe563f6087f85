import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChallTestSrv, verifyIssued, type ChallTestSrv, type Eab, type Issued } from '../support/acmeClients.js';
import {
  acmeTiny,
  certbotDns01,
  certbotHttp01,
  certbotRevoke,
  certbotUnregister,
  dehydratedDns01,
  legoRenew,
  legoRun,
  uacmeDeactivate,
  uacmeIssue,
  uacmeNew,
  uacmeNewkey,
  type UacmeOpts,
} from '../support/acmeRunners.js';
import { api, createActiveCa, keystoneToken } from '../support/api.js';

/**
 * The Debian bookworm ACME clients (certbot, lego, uacme, dehydrated, acme-tiny) against our stack's
 * ACME server: a plain http directory, EAB minted over the Keystone API, challtestsrv as the
 * validator's DNS (every *.acme.test name → 127.0.0.1). http-01 is answered on 5002 by the clients
 * themselves (certbot standalone, lego) or by the harness's file server (uacme hook, acme-tiny), so
 * challtestsrv serves no http-01 here; tls-alpn-01 by lego on 5003. Each issued certificate is checked
 * with openssl against the CA's own certificate and must carry exactly the ordered names.
 */
let chall: ChallTestSrv;
let admin: string;
let alice: string;
let ca: any;
let directory = '';
const dirs: string[] = [];

const workDir = async (name: string) => {
  const d = await mkdtemp(join(tmpdir(), `acme-ours-${name}-`));
  dirs.push(d);
  return d;
};
const serialOf = async (certPath: string) => new X509Certificate(await readFile(certPath)).serialNumber;
const normSerial = (s: string) => s.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');
const verify = async (r: Issued, names: string[], root = ca.certificate as string) =>
  verifyIssued(r.certPath, root, r.chainPath ? await readFile(r.chainPath, 'utf8') : undefined, names);

/** An EAB credential of `caId`'s directory minted by `token`'s user (admin: wildcards granted; alice: not). */
async function mintEab(token: string, caId = ca.id as string): Promise<Eab> {
  const res = await api('POST', `/v1/cas/${caId}/acme/eab-keys`, { token, body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  directory = res.body.eab_key.directory_url;
  return { kid: res.body.eab_key.kid, hmacKey: res.body.eab_key.hmac_key };
}

/** `openssl ocsp` (POST) against the responder the leaf names, trusting the CA certificate. */
async function ocspStatus(leafPem: string): Promise<string> {
  const d = await workDir('ocsp');
  const url = /OCSP - URI:(\S+)/.exec(new X509Certificate(leafPem).infoAccess ?? '')?.[1];
  expect(url, 'the leaf names an OCSP responder').toBeDefined();
  await writeFile(join(d, 'ca.pem'), ca.certificate);
  await writeFile(join(d, 'leaf.pem'), leafPem);
  const run = spawnSync('openssl', ['ocsp', '-issuer', join(d, 'ca.pem'), '-cert', join(d, 'leaf.pem'), '-url', url!, '-CAfile', join(d, 'ca.pem'), '-no_nonce'], { encoding: 'utf8' });
  return run.stdout + run.stderr;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function accountByKid(kid: string): Promise<any> {
  const res = await api('GET', `/v1/acme/accounts?ca_id=${ca.id}&limit=1000`, { token: admin });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.accounts.find((a: any) => a.eab_kid === kid);
}

beforeAll(async () => {
  chall = await startChallTestSrv();
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  ca = await createActiveCa(admin, { subject: { CN: 'ACME Clients Root' }, key_type: 'EC-P256', validity_days: 365 });
  // 90-day certificates (as Let's Encrypt's): uacme renews 30 days before the end (-d 30), so with
  // the built-in 30-day default every certificate would be due at once and its OCSP check never ran.
  const profile = await api('PUT', `/v1/cas/${ca.id}/profiles/default`, { token: admin, body: { allow_any_name: true, allow_wildcard: true, default_ttl: 90 * 86400 } });
  expect([200, 201], JSON.stringify(profile.body)).toContain(profile.status);
}, 60_000);
afterAll(async () => {
  await chall?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('certbot 2.1', () => {
  let dir = '';
  let eab: Eab;
  let http: Issued;
  const opts = () => ({ directory, workDir: dir, eab });

  it('http-01 (standalone on 5002)', async () => {
    dir = await workDir('certbot');
    eab = await mintEab(admin);
    const names = ['certbot.acme.test', 'www.certbot.acme.test'];
    http = await certbotHttp01({ ...opts(), domains: names });
    await verify(http, names);
  }, 120_000);

  it('dns-01 with a wildcard and its base name (manual hooks → challtestsrv), same account', async () => {
    const names = ['*.certbot.acme.test', 'certbot.acme.test'];
    const r = await certbotDns01({ ...opts(), domains: names });
    await verify(r, names);
  }, 120_000);

  it('revoke by the certificate key: the record, then OCSP, say revoked', async () => {
    const leaf = await readFile(http.certPath, 'utf8');
    expect(await ocspStatus(leaf)).toMatch(/: good/);
    await certbotRevoke({ directory, workDir: dir, certPath: http.certPath, keyPath: http.keyPath });
    const serial = normSerial(await serialOf(http.certPath));
    const rec = await until('certificate record revoked', async () => {
      const res = await api('GET', `/v1/certificates?ca_id=${ca.id}&limit=1000`, { token: admin });
      const c = res.body.certificates.find((x: any) => x.serial && normSerial(x.serial) === serial);
      return c?.status === 'revoked' ? c : undefined;
    });
    expect(rec.status).toBe('revoked');
    await until('OCSP says revoked', async () => ((await ocspStatus(leaf)).match(/: revoked/) ? true : undefined));
  }, 120_000);

  it('unregister: the account is deactivated', async () => {
    expect((await accountByKid(eab.kid)).status).toBe('valid');
    const r = await certbotUnregister({ directory, workDir: dir });
    expect(r.stdout + r.stderr).toMatch(/deactivated/i);
    expect((await accountByKid(eab.kid)).status).toBe('deactivated');
  }, 120_000);
});

describe('lego 4.9', () => {
  let dir = '';
  let eab: Eab;
  const httpNames = ['lego.acme.test', 'www.lego.acme.test'];
  let first = '';
  const opts = () => ({ directory, workDir: dir, eab });

  it('http-01 (its own server on 5002)', async () => {
    dir = await workDir('lego');
    eab = await mintEab(admin);
    const r = await legoRun({ ...opts(), domains: httpNames, challenge: 'http-01' });
    await verify(r, httpNames);
    first = await serialOf(r.certPath);
  }, 120_000);

  it('tls-alpn-01 (its own server on 5003)', async () => {
    const names = ['alpn.lego.acme.test'];
    const r = await legoRun({ ...opts(), domains: names, challenge: 'tls-alpn-01' });
    await verify(r, names);
  }, 120_000);

  it('dns-01 with a wildcard and an IDN (A-label), exec provider → challtestsrv', async () => {
    const names = ['*.dns.lego.acme.test', 'xn--bcher-kva.acme.test'];
    const r = await legoRun({ ...opts(), domains: names, challenge: 'dns-01' });
    await verify(r, names);
  }, 120_000);

  it('renew (forced): a new certificate, new serial', async () => {
    const r = await legoRenew({ ...opts(), domains: httpNames, challenge: 'http-01' });
    await verify(r, httpNames);
    expect(await serialOf(r.certPath)).not.toBe(first);
  }, 120_000);
});

describe('uacme 1.7', () => {
  let o: UacmeOpts;

  it('new: EC account key, EAB minted by a member', async () => {
    o = { directory, workDir: await workDir('uacme'), eab: await mintEab(alice) };
    o.directory = directory;
    await uacmeNew(o);
  }, 60_000);

  it('issue, http-01; again without -f: kept, after asking OUR OCSP responder (good)', async () => {
    // One name: uacme sleeps 5 s before each poll of a challenge, whatever Retry-After says.
    const names = ['uacme.acme.test'];
    const r = await uacmeIssue({ ...o, domains: names, challenge: 'http-01' });
    expect(r.reissued).toBe(true);
    const leaf = await verify(r, names);
    const ocspUrl = /OCSP - URI:(\S+)/.exec(new X509Certificate(leaf).infoAccess ?? '')?.[1];
    expect(ocspUrl).toContain(`/cas/${ca.id}/ocsp`);
    const again = await uacmeIssue({ ...o, domains: names, challenge: 'http-01' });
    const log = again.stdout + again.stderr;
    expect(log).toMatch(/expires in 8\d days/);
    expect(again.reissued, log).toBe(false);
    expect(log).toContain(`querying OCSP server at ${ocspUrl}`);
    expect(log).toContain('OCSP certificate status is GOOD');
    expect(log).not.toMatch(/failed to verify OCSP response|nonce mismatch|ocsp_check: .*failed|unsuccessful/);
    expect(await serialOf(again.certPath)).toBe(new X509Certificate(leaf).serialNumber);
  }, 120_000);

  it('newkey (key-change), then issue with the new key (dns-01)', async () => {
    const keyFile = join(o.workDir, 'uacme', 'private', 'key.pem');
    const before = await readFile(keyFile, 'utf8');
    await uacmeNewkey(o);
    expect(await readFile(keyFile, 'utf8')).not.toBe(before);
    const names = ['rolled.uacme.acme.test'];
    const r = await uacmeIssue({ ...o, domains: names, challenge: 'dns-01' });
    expect(r.reissued).toBe(true);
    await verify(r, names);
  }, 120_000);

  it('deactivate: the account is deactivated and can order no more', async () => {
    await uacmeDeactivate(o);
    expect((await accountByKid(o.eab!.kid)).status).toBe('deactivated');
    await expect(uacmeIssue({ ...o, domains: ['after.uacme.acme.test'] })).rejects.toThrow();
  }, 60_000);
});

describe('dehydrated 0.7', () => {
  it('dns-01 hook with EAB', async () => {
    const names = ['dehydrated.acme.test', 'www.dehydrated.acme.test'];
    const eab = await mintEab(alice);
    const r = await dehydratedDns01({ directory, workDir: await workDir('dehydrated'), eab, domains: names });
    await verify(r, names);
  }, 120_000);
});

describe('acme-tiny 5.0', () => {
  it('http-01, RS256 account, against a directory an admin opened without EAB', async () => {
    const open = await createActiveCa(admin, { subject: { CN: 'ACME Open Root' }, key_type: 'EC-P256', validity_days: 365 });
    const put = await api('PUT', `/v1/cas/${open.id}/acme`, { token: admin, body: { external_account_required: false } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const dir = (await (await fetch(put.body.acme.directory_url)).json()) as { meta: { externalAccountRequired: boolean } };
    expect(dir.meta.externalAccountRequired).toBe(false);
    const names = ['tiny.acme.test', 'www.tiny.acme.test'];
    const r = await acmeTiny({ directory: put.body.acme.directory_url, workDir: await workDir('tiny'), domains: names });
    await verify(r, names, open.certificate);
  }, 120_000);
});
