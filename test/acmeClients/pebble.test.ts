/**
 * The Debian ACME clients against Pebble, challtestsrv as DNS (every *.acme.test name → 127.0.0.1).
 * Not in CI (the repo's vitest.config.ts lists projects, none of which includes this directory, so
 * `--dir test/acmeClients` alone runs the other suites); run it with a throwaway config:
 *   printf "export default { test: { include: ['test/acmeClients/pebble.test.ts'], testTimeout: 180000, hookTimeout: 60000 } };" > /tmp/vitest.acme.mjs
 *   npx vitest run --root /work/wt-clients --config /tmp/vitest.acme.mjs
 * Pointing it at our server later = another directory/eab/caBundle in `server()`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChallTestSrv, startPebble, verifyIssued, type ChallTestSrv, type ClientOpts, type Eab, type Issued, type Pebble } from '../support/acmeClients.js';
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
  TLSALPN01_PORT,
} from '../support/acmeRunners.js';

let chall: ChallTestSrv;
let pebble: Pebble;
let root = '';

const workDir = (name: string) => mkdtemp(join(tmpdir(), `acme-${name}-`));
const server = (eab?: Eab): Omit<ClientOpts, 'workDir'> => ({ directory: pebble.directory, caBundle: pebble.caBundle, eab });
const serialOf = async (certPath: string) => new X509Certificate(await readFile(certPath)).serialNumber;
const verify = async (r: Issued, names: string[]) =>
  verifyIssued(r.certPath, root, r.chainPath ? await readFile(r.chainPath, 'utf8') : await pebble.intermediatePem(), names);

async function usePebble(eabRequired: boolean): Promise<void> {
  pebble = await startPebble({ eabRequired, httpPort: 5002, tlsPort: TLSALPN01_PORT, dnsServer: chall.dnsAddress });
  root = await pebble.rootPem();
}

beforeAll(async () => {
  chall = await startChallTestSrv();
});
afterAll(async () => {
  await chall?.stop();
});

describe('Pebble with EAB required', () => {
  beforeAll(() => usePebble(true));
  afterAll(async () => {
    await pebble?.stop();
  });

  describe('certbot', () => {
    let http: Issued;
    let dir = '';
    const eab = () => pebble.eabKeys[1];

    it('http-01 (standalone on 5002)', async () => {
      dir = await workDir('certbot');
      http = await certbotHttp01({ ...server(eab()), workDir: dir, domains: ['certbot.acme.test', 'www.certbot.acme.test'] });
      await verify(http, ['certbot.acme.test', 'www.certbot.acme.test']);
    });

    it('dns-01 with a wildcard (manual hooks → challtestsrv)', async () => {
      const names = ['*.certbot.acme.test', 'certbot.acme.test'];
      const r = await certbotDns01({ ...server(eab()), workDir: dir, domains: names });
      await verify(r, names);
    });

    it('revoke by the certificate key', async () => {
      expect(await pebble.certStatus(await serialOf(http.certPath))).toBe('Valid');
      await certbotRevoke({ ...server(), workDir: dir, certPath: http.certPath, keyPath: http.keyPath });
      expect(await pebble.certStatus(await serialOf(http.certPath))).toBe('Revoked');
    });

    it('unregister (account deactivation)', async () => {
      const r = await certbotUnregister({ ...server(), workDir: dir });
      expect(r.stdout + r.stderr).toMatch(/deactivated/i);
    });
  });

  describe('lego', () => {
    let dir = '';
    const eab = () => pebble.eabKeys[2];
    const httpNames = ['lego.acme.test', 'xn--bcher-kva.acme.test'];
    let first = '';

    it('http-01 with an IDN (A-label)', async () => {
      dir = await workDir('lego');
      const r = await legoRun({ ...server(eab()), workDir: dir, domains: httpNames, challenge: 'http-01' });
      await verify(r, httpNames);
      first = await serialOf(r.certPath);
    });

    it('tls-alpn-01', async () => {
      const names = ['alpn.lego.acme.test'];
      const r = await legoRun({ ...server(eab()), workDir: dir, domains: names, challenge: 'tls-alpn-01' });
      await verify(r, names);
    });

    it('dns-01 with a wildcard (exec provider → challtestsrv)', async () => {
      const names = ['*.lego.acme.test', 'dns.lego.acme.test'];
      const r = await legoRun({ ...server(eab()), workDir: dir, domains: names, challenge: 'dns-01' });
      await verify(r, names);
    });

    it('renew (forced)', async () => {
      const r = await legoRenew({ ...server(eab()), workDir: dir, domains: httpNames, challenge: 'http-01' });
      await verify(r, httpNames);
      expect(await serialOf(r.certPath)).not.toBe(first);
    });
  });

  describe('uacme', () => {
    let o: Parameters<typeof uacmeNew>[0];

    it('new (EC account key, EAB)', async () => {
      o = { ...server(pebble.eabKeys[3]), workDir: await workDir('uacme') };
      await uacmeNew(o);
    });

    it('issue, dns-01 with a wildcard', async () => {
      const names = ['uacme.acme.test', '*.uacme.acme.test'];
      await verify(await uacmeIssue({ ...o, domains: names, challenge: 'dns-01' }), names);
    });

    it('issue, http-01; again: kept as current (exit 1; Pebble names no OCSP responder), then forced', async () => {
      const names = ['web.uacme.acme.test'];
      const r = await uacmeIssue({ ...o, domains: names, challenge: 'http-01' });
      expect(r.reissued).toBe(true);
      const leaf = await verify(r, names);
      expect(new X509Certificate(leaf).infoAccess ?? '').not.toMatch(/OCSP/);
      expect((await uacmeIssue({ ...o, domains: names, challenge: 'http-01' })).reissued).toBe(false);
      const forced = await uacmeIssue({ ...o, domains: names, challenge: 'http-01', force: true });
      expect(forced.reissued).toBe(true);
      expect(await serialOf(forced.certPath)).not.toBe(new X509Certificate(leaf).serialNumber);
    });

    it('newkey (key-change), then issue with the new key', async () => {
      const before = await readFile(join(o.workDir, 'uacme', 'private', 'key.pem'), 'utf8');
      await uacmeNewkey(o);
      expect(await readFile(join(o.workDir, 'uacme', 'private', 'key.pem'), 'utf8')).not.toBe(before);
      const names = ['rolled.uacme.acme.test'];
      await verify(await uacmeIssue({ ...o, domains: names }), names);
    });

    it('deactivate', async () => {
      await uacmeDeactivate(o);
      await expect(uacmeIssue({ ...o, domains: ['after.uacme.acme.test'] })).rejects.toThrow();
    });
  });

  describe('dehydrated', () => {
    it('dns-01 with EAB and a wildcard', async () => {
      const names = ['dehydrated.acme.test', '*.dehydrated.acme.test'];
      const r = await dehydratedDns01({ ...server(pebble.eabKeys[4]), workDir: await workDir('dehydrated'), domains: names });
      await verify(r, names);
    });
  });
});

describe('Pebble without EAB', () => {
  beforeAll(() => usePebble(false));
  afterAll(async () => {
    await pebble?.stop();
  });

  it('acme-tiny http-01 (RS256 account, openssl CSR)', async () => {
    const names = ['tiny.acme.test', 'www.tiny.acme.test'];
    const r = await acmeTiny({ ...server(), workDir: await workDir('tiny'), domains: names });
    await verify(r, names);
  });
});
