/**
 * Runners for the Debian bookworm ACME clients (certbot 2.1, lego 4.9.1, uacme 1.7.4, dehydrated 0.7,
 * acme-tiny 5.0.1). Each takes a directory URL, a work dir, optional EAB and an optional CA bundle for an
 * https directory; a non-zero exit throws with the client's full output. Challenge ports: http-01 5002,
 * tls-alpn-01 5003 (5001 is the real Keystone's JWS port in npm run test:openstack); dns-01 through pebble-challtestsrv (management 127.0.0.1:8055).
 */
import { appendFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { challTxtShell, run, writeScript, type ClientOpts, type Issued, type RunOutput } from './acmeClients.js';

export const HTTP01_PORT = 5002;
export const TLSALPN01_PORT = 5003;
const CHALL_DNS = '127.0.0.1:8053';

export interface IssueOpts extends ClientOpts {
  domains: string[];
}

// ---------------------------------------------------------------- a tiny http-01 responder

/** Serves GET /.well-known/acme-challenge/<token> from files in dir (what acme-tiny and hooks write). */
export async function serveAcmeDir(dir: string, port = HTTP01_PORT): Promise<{ stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    readFile(join(dir, m[1]), 'utf8').then(
      (body) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// ---------------------------------------------------------------- certbot

function certbotCommon(o: ClientOpts): string[] {
  return ['--server', o.directory, '--non-interactive', '--config-dir', o.workDir, '--work-dir', o.workDir, '--logs-dir', o.workDir];
}
const certbotEnv = (o: ClientOpts): Record<string, string> => (o.caBundle ? { REQUESTS_CA_BUNDLE: o.caBundle } : {});

function certbotCertonly(o: IssueOpts, certName: string, challenge: string[]): Promise<Issued> {
  const eab = o.eab ? [`--eab-kid=${o.eab.kid}`, `--eab-hmac-key=${o.eab.hmacKey}`] : [];
  const args = ['certonly', ...certbotCommon(o), '--agree-tos', '--register-unsafely-without-email', ...eab, '--cert-name', certName, ...challenge];
  const live = join(o.workDir, 'live', certName);
  return run('certbot', [...args, ...o.domains.flatMap((d) => ['-d', d])], { env: certbotEnv(o) }).then((out) => ({
    certPath: join(live, 'cert.pem'),
    keyPath: join(live, 'privkey.pem'),
    chainPath: join(live, 'chain.pem'),
    ...out,
  }));
}

export function certbotHttp01(o: IssueOpts & { certName?: string }): Promise<Issued> {
  return certbotCertonly(o, o.certName ?? 'http01', ['--standalone', '--http-01-port', String(HTTP01_PORT)]);
}

export async function certbotDns01(o: IssueOpts & { certName?: string }): Promise<Issued> {
  const auth = await writeScript(join(o.workDir, 'certbot-auth.sh'), `${challTxtShell()}\nset_txt "$CERTBOT_DOMAIN" "$CERTBOT_VALIDATION"`);
  const cleanup = await writeScript(join(o.workDir, 'certbot-cleanup.sh'), `${challTxtShell()}\nclear_txt "$CERTBOT_DOMAIN"`);
  const hooks = ['--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', auth, '--manual-cleanup-hook', cleanup];
  return certbotCertonly(o, o.certName ?? 'dns01', hooks);
}

/** Revocation signed by the certificate's own key (no account needed). */
export function certbotRevoke(o: ClientOpts & { certPath: string; keyPath: string; reason?: string }): Promise<RunOutput> {
  const args = ['revoke', ...certbotCommon(o), '--cert-path', o.certPath, '--key-path', o.keyPath, '--no-delete-after-revoke'];
  return run('certbot', [...args, '--reason', o.reason ?? 'keycompromise'], { env: certbotEnv(o) });
}

/** Deactivates the account kept in workDir. */
export function certbotUnregister(o: ClientOpts): Promise<RunOutput> {
  return run('certbot', ['unregister', ...certbotCommon(o)], { env: certbotEnv(o) });
}

// ---------------------------------------------------------------- lego

export type LegoChallenge = 'http-01' | 'tls-alpn-01' | 'dns-01';

async function legoChallengeArgs(o: ClientOpts, challenge: LegoChallenge): Promise<{ args: string[]; env: Record<string, string> }> {
  if (challenge === 'http-01') return { args: ['--http', '--http.port', `127.0.0.1:${HTTP01_PORT}`], env: {} };
  if (challenge === 'tls-alpn-01') return { args: ['--tls', '--tls.port', `127.0.0.1:${TLSALPN01_PORT}`], env: {} };
  // exec provider: `present|cleanup FQDN VALUE`, FQDN = _acme-challenge.<domain>.
  const script = await writeScript(join(o.workDir, 'lego-exec.sh'), `${challTxtShell()}\ncase "$1" in present) set_txt "$2" "$3";; cleanup) clear_txt "$2";; esac`);
  return {
    args: ['--dns', 'exec', '--dns.resolvers', CHALL_DNS, '--dns.disable-cp'],
    // EXEC_SEQUENCE_INTERVAL: the exec provider solves one authz at a time, 60 s apart by default
    env: { EXEC_PATH: script, EXEC_PROPAGATION_TIMEOUT: '30', EXEC_POLLING_INTERVAL: '1', EXEC_SEQUENCE_INTERVAL: '1' },
  };
}

function legoPaths(o: IssueOpts, out: RunOutput): Issued {
  // lego names files after the first domain, `*` becoming `_`; the .crt is leaf + issuer.
  const base = join(o.workDir, 'certificates', o.domains[0].replace('*', '_'));
  return { certPath: `${base}.crt`, keyPath: `${base}.key`, chainPath: `${base}.issuer.crt`, ...out };
}

async function lego(o: IssueOpts & { challenge: LegoChallenge }, command: string[]): Promise<Issued> {
  const c = await legoChallengeArgs(o, o.challenge);
  const eab = o.eab ? ['--eab', `--kid=${o.eab.kid}`, `--hmac=${o.eab.hmacKey}`] : [];
  const args = ['--server', o.directory, '--accept-tos', '--email', 'lego@acme.test', ...eab, '--path', o.workDir, ...c.args];
  const env = { ...c.env, ...(o.caBundle ? { LEGO_CA_CERTIFICATES: o.caBundle } : {}) };
  const out = await run('lego', [...args, ...o.domains.flatMap((d) => ['-d', d]), ...command], { env });
  return legoPaths(o, out);
}

export function legoRun(o: IssueOpts & { challenge: LegoChallenge }): Promise<Issued> {
  return lego(o, ['run']);
}

/**
 * Forced renewal without lego's random pre-renewal sleep (up to 8 minutes off a tty). lego 4.9 has no
 * --force: `--days` must exceed the days left, and Pebble certificates last 5 years (1826 days), so
 * `--days 999` would silently renew nothing (exit 0).
 */
export function legoRenew(o: IssueOpts & { challenge: LegoChallenge }): Promise<Issued> {
  return lego(o, ['renew', '--days', '36500', '--no-random-sleep']);
}

// ---------------------------------------------------------------- uacme

export interface UacmeOpts extends ClientOpts {
  /** Pebble only: pass -o (no OCSP check). Default: uacme checks OCSP whenever the cert names a responder. */
  noOcsp?: boolean;
}

/**
 * uacme (libcurl-gnutls) trusts only the system store (/etc/ssl/certs). For an https directory with a
 * private CA, it runs in a private mount namespace (root + unshare) in which /etc/ssl/certs is a copy
 * holding the extra CA: the host's store is untouched.
 */
async function uacme(o: UacmeOpts, args: string[], okCodes: number[] = []): Promise<RunOutput> {
  const base = ['-v', '-a', o.directory, '-c', join(o.workDir, 'uacme'), '-y', '-t', 'EC', ...(o.noOcsp ? ['-o'] : [])];
  if (!o.caBundle) return run('uacme', [...base, ...args], { okCodes });
  if (process.getuid?.() !== 0) throw new Error('uacme trusts only the system CA store: an https directory with a private CA needs root (unshare -m)');
  const store = join(o.workDir, 'ssl-certs');
  const ca = await readFile(o.caBundle, 'utf8');
  const marker = join(store, 'acme-harness-ca.pem');
  if ((await readFile(marker, 'utf8').catch(() => '')) !== ca) {
    await rm(store, { recursive: true, force: true });
    await cp('/etc/ssl/certs', store, { recursive: true, verbatimSymlinks: true });
    await writeFile(marker, ca);
    await appendFile(join(store, 'ca-certificates.crt'), `\n${ca}`);
  }
  const shell = 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"';
  return run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', shell, 'sh', store, 'uacme', ...base, ...args], { okCodes });
}

export function uacmeNew(o: UacmeOpts): Promise<RunOutput> {
  return uacme(o, [...(o.eab ? ['-e', `${o.eab.kid}:${o.eab.hmacKey}`] : []), 'new']);
}

/**
 * `issue` with a hook that takes dns-01 (challtestsrv TXT) or http-01 (files served on 5002) and
 * declines the other types. Without `force`, a current certificate is kept (uacme exits 1: reissued
 * false) unless its OCSP responder (if the certificate names one) says revoked.
 */
export async function uacmeIssue(
  o: UacmeOpts & { domains: string[]; challenge?: 'dns-01' | 'http-01'; force?: boolean },
): Promise<Issued & { reissued: boolean }> {
  const challenge = o.challenge ?? 'dns-01';
  const webroot = join(o.workDir, 'uacme-webroot');
  await mkdir(webroot, { recursive: true });
  const hook = await writeScript(
    join(o.workDir, 'uacme-hook.sh'),
    `${challTxtShell()}
[ "$2" = "${challenge}" ] || exit 1
case "$2:$1" in
  dns-01:begin) set_txt "$3" "$5";;
  dns-01:*) clear_txt "$3";;
  http-01:begin) printf %s "$5" > "${webroot}/$4";;
  http-01:*) rm -f "${webroot}/$4";;
esac`,
  );
  const server = challenge === 'http-01' ? await serveAcmeDir(webroot) : undefined;
  try {
    const out = await uacme(o, [...(o.force ? ['-f'] : []), '-h', hook, 'issue', ...o.domains], [1]);
    const name = o.domains[0].replace(/^\*\./, '');
    // cert.pem is leaf + chain
    const keyPath = join(o.workDir, 'uacme', 'private', name, 'key.pem');
    return { certPath: join(o.workDir, 'uacme', name, 'cert.pem'), keyPath, ...out, reissued: out.code === 0 };
  } finally {
    await server?.stop();
  }
}

/** Account key rollover (RFC 8555 key-change). */
export function uacmeNewkey(o: UacmeOpts): Promise<RunOutput> {
  return uacme(o, ['newkey']);
}

export function uacmeDeactivate(o: UacmeOpts): Promise<RunOutput> {
  return uacme(o, ['deactivate']);
}

// ---------------------------------------------------------------- dehydrated

/** `--register --accept-terms` then `-c` for one certificate, dns-01 through challtestsrv. */
export async function dehydratedDns01(o: IssueOpts & { alias?: string }): Promise<Issued> {
  const hook = await writeScript(
    join(o.workDir, 'dehydrated-hook.sh'),
    `${challTxtShell()}\ncase "$1" in deploy_challenge) set_txt "$2" "$4";; clean_challenge) clear_txt "$2";; esac\nexit 0`,
  );
  const q = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`;
  const lines = [
    `CA=${q(o.directory)}`,
    'CHALLENGETYPE="dns-01"',
    `HOOK=${q(hook)}`,
    `BASEDIR=${q(o.workDir)}`,
    'KEY_ALGO="prime256v1"',
    ...(o.eab ? [`EAB_KID=${q(o.eab.kid)}`, `EAB_HMAC_KEY=${q(o.eab.hmacKey)}`] : []),
    ...(o.caBundle ? [`CURL_OPTS=${q(`--cacert ${o.caBundle}`)}`] : []),
  ];
  const config = join(o.workDir, 'dehydrated.conf');
  await writeFile(config, `${lines.join('\n')}\n`);
  const reg = await run('dehydrated', ['-f', config, '--register', '--accept-terms']);
  const alias = o.alias ?? o.domains[0].replace(/^\*\./, 'wildcard.');
  const out = await run('dehydrated', ['-f', config, '-c', '--alias', alias, ...o.domains.flatMap((d) => ['-d', d])]);
  const dir = join(o.workDir, 'certs', alias);
  return {
    certPath: join(dir, 'cert.pem'),
    keyPath: join(dir, 'privkey.pem'),
    chainPath: join(dir, 'chain.pem'),
    stdout: reg.stdout + out.stdout,
    stderr: reg.stderr + out.stderr,
  };
}

// ---------------------------------------------------------------- acme-tiny

/**
 * RSA account key and CSR by openssl, http-01 by files in an acme-dir served on 5002 (self-check off:
 * it would fetch port 80 through the system resolver). No EAB support. https trust via SSL_CERT_FILE
 * (Python's urllib default context).
 */
export async function acmeTiny(o: IssueOpts): Promise<Issued> {
  if (o.eab) throw new Error('acme-tiny 5.0.1 has no External Account Binding');
  const accountKey = join(o.workDir, 'account.key');
  const keyPath = join(o.workDir, 'domain.key');
  const csr = join(o.workDir, 'domain.csr');
  const acmeDir = join(o.workDir, 'acme-dir');
  await mkdir(acmeDir, { recursive: true });
  await run('openssl', ['genrsa', '-out', accountKey, '2048']);
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csr, '-subj', `/CN=${o.domains[0]}`,
    '-addext', `subjectAltName=${o.domains.map((d) => `DNS:${d}`).join(',')}`]);
  const server = await serveAcmeDir(acmeDir);
  try {
    const args = ['--account-key', accountKey, '--csr', csr, '--acme-dir', acmeDir, '--directory-url', o.directory, '--disable-check'];
    const out = await run('acme-tiny', args, { env: o.caBundle ? { SSL_CERT_FILE: o.caBundle } : {} });
    const certPath = join(o.workDir, 'signed_chain.crt');
    await writeFile(certPath, out.stdout);
    return { certPath, keyPath, ...out };
  } finally {
    await server.stop();
  }
}
