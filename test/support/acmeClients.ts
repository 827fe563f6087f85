/**
 * Acceptance harness for real ACME clients (Debian bookworm builds): the processes around them.
 * pebble-challtestsrv as mock DNS, Pebble as the reference server, a process runner, and the check of
 * an issued certificate. The client runners are in acmeRunners.ts. Only a directory URL, an optional
 * EAB credential and an optional CA bundle (for https directories) tie a run to a server, so the same
 * runners drive Pebble and our server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Eab {
  kid: string;
  /** base64url, no padding */
  hmacKey: string;
}

export interface ClientOpts {
  directory: string;
  workDir: string;
  eab?: Eab;
  /** PEM file of the CA that signed the directory's https certificate */
  caBundle?: string;
}

export interface Issued {
  certPath: string;
  keyPath: string;
  chainPath?: string;
  stdout: string;
  stderr: string;
}

export interface RunOutput {
  stdout: string;
  stderr: string;
  /** exit status (0 unless listed in okCodes) */
  code?: number;
}

export interface RunOpts {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  /** exit statuses other than 0 that are answers, not failures */
  okCodes?: number[];
}

/** Runs a program to completion; a non-zero exit (or timeout) throws with the full output. */
export function run(cmd: string, args: string[], opts: RunOpts = {}): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs ?? 170_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 || (code !== null && opts.okCodes?.includes(code))) return resolve({ stdout, stderr, code: code ?? 0 });
      const why = timedOut ? 'timed out' : signal ? `died of ${signal}` : `exited ${code}`;
      reject(new Error(`${cmd} ${args.join(' ')} ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(opts.input);
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Writes an executable shell script. */
export async function writeScript(path: string, body: string): Promise<string> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** A long-running process with its output kept for error messages. */
export interface Daemon {
  log(): string;
  stop(): Promise<void>;
}

export function startDaemon(cmd: string, args: string[], env: Record<string, string> = {}): Daemon {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', (err) => (out += `\n${cmd} could not start: ${err.message}`));
  return {
    log: () => out,
    async stop() {
      killGroup(child, 'SIGTERM');
      const late = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(late);
    },
  };
}

interface HttpAnswer {
  status: number;
  body: string;
}

/** GET/POST over http or https (https trusting `ca` if given). */
export function httpCall(url: string, opts: { method?: string; body?: string; ca?: string } = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const req = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(u, { method: opts.method ?? 'GET', ca: opts.ca, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('timeout', () => r.destroy(new Error(`timeout on ${url}`)));
    r.on('error', reject);
    r.end(opts.body);
  });
}

async function waitFor(url: string, daemon: Daemon, ca?: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await httpCall(url, { ca });
      return;
    } catch (err) {
      if (Date.now() > until) throw new Error(`${url} never answered: ${String(err)}\n${daemon.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// ---------------------------------------------------------------- pebble-challtestsrv

export interface ChallTestSrv {
  dnsAddress: string;
  managementUrl: string;
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  addA(host: string, addrs: string[]): Promise<void>;
  /** only when started with http01Port */
  addHttp01(token: string, content: string): Promise<void>;
  delHttp01(token: string): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

const fqdn = (host: string) => (host.endsWith('.') ? host : `${host}.`);

export async function startChallTestSrv(opts: { http01Port?: number } = {}): Promise<ChallTestSrv> {
  const managementUrl = 'http://127.0.0.1:8055';
  const http01 = opts.http01Port ? `127.0.0.1:${opts.http01Port}` : '';
  const args = ['-management', '127.0.0.1:8055', '-dns01', '127.0.0.1:8053', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''];
  const daemon = startDaemon('pebble-challtestsrv', [...args, '-http01', http01, '-https01', '', '-tlsalpn01', '']);
  await waitFor(`${managementUrl}/`, daemon);
  const post = async (path: string, body: object) => {
    const res = await httpCall(`${managementUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`challtestsrv ${path}: ${res.status} ${res.body}`);
  };
  return {
    dnsAddress: '127.0.0.1:8053',
    managementUrl,
    setTxt: (host, value) => post('/set-txt', { host: fqdn(host), value }),
    clearTxt: (host) => post('/clear-txt', { host: fqdn(host) }),
    addA: (host, addresses) => post('/add-a', { host: fqdn(host), addresses }),
    addHttp01: (token, content) => post('/add-http01', { token, content }),
    delHttp01: (token) => post('/del-http01', { token }),
    log: daemon.log,
    stop: daemon.stop,
  };
}

/**
 * Shell lines for hook scripts: `set_txt NAME VALUE` / `clear_txt NAME` against challtestsrv (NAME is the
 * identifier; `*.` is stripped, `_acme-challenge.` and the trailing dot are added).
 */
export function challTxtShell(managementUrl = 'http://127.0.0.1:8055'): string {
  return `txt_name() { n="\${1#\\*.}"; n="\${n%.}"; case "$n" in _acme-challenge.*) echo "$n.";; *) echo "_acme-challenge.$n.";; esac; }
set_txt() { curl -sSf --noproxy '*' -X POST -d "{\\"host\\":\\"$(txt_name "$1")\\",\\"value\\":\\"$2\\"}" ${managementUrl}/set-txt; }
clear_txt() { curl -sSf --noproxy '*' -X POST -d "{\\"host\\":\\"$(txt_name "$1")\\"}" ${managementUrl}/clear-txt; }`;
}

// ---------------------------------------------------------------- Pebble

export interface Pebble {
  directory: string;
  /** PEM file trusted for Pebble's own https listeners */
  caBundle: string;
  eab?: Eab;
  /** more EAB credentials of the same Pebble (one per client account, if single use matters) */
  eabKeys: Eab[];
  rootPem(): Promise<string>;
  intermediatePem(): Promise<string>;
  /** "Valid" or "Revoked", from the management interface */
  certStatus(serialHex: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

export interface PebbleOpts {
  eabRequired: boolean;
  httpPort: number;
  tlsPort: number;
  dnsServer: string;
  listenPort?: number;
  managementPort?: number;
  /** PEBBLE_AUTHZREUSE: default 0 so that every order exercises the client's challenge code */
  authzReuse?: number;
  /** PEBBLE_WFE_NONCEREJECT, percent of good nonces refused: default 0 (dehydrated never retries badNonce) */
  nonceReject?: number;
}

/** A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it, for Pebble's https. */
async function makeTlsCert(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'tls-ca.pem');
  const caKey = join(dir, 'tls-ca.key');
  const key = join(dir, 'tls-key.pem');
  const csr = join(dir, 'tls.csr');
  const cert = join(dir, 'tls-cert.pem');
  const ext = join(dir, 'tls.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', ca, '-days', '7', '-subj', '/CN=acme harness TLS CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '7', '-extfile', ext]);
  return { ca, cert, key };
}

export async function startPebble(opts: PebbleOpts): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'pebble-'));
  const tls = await makeTlsCert(dir);
  const listen = `127.0.0.1:${opts.listenPort ?? 14000}`;
  const management = `127.0.0.1:${opts.managementPort ?? 15000}`;
  const eabKeys: Eab[] = Array.from({ length: 8 }, (_, i) => ({ kid: `kid-${i + 1}`, hmacKey: randomBytes(32).toString('base64url') }));
  const config = {
    pebble: {
      listenAddress: listen,
      managementListenAddress: management,
      certificate: tls.cert,
      privateKey: tls.key,
      httpPort: opts.httpPort,
      tlsPort: opts.tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: opts.eabRequired,
      externalAccountMACKeys: Object.fromEntries(eabKeys.map((k) => [k.kid, k.hmacKey])),
    },
  };
  const configPath = join(dir, 'pebble-config.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const daemon = startDaemon('pebble', ['-config', configPath, '-dnsserver', opts.dnsServer, '-strict=false'], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: String(opts.nonceReject ?? 0),
    PEBBLE_AUTHZREUSE: String(opts.authzReuse ?? 0),
  });
  const ca = await readFile(tls.ca, 'utf8');
  const directory = `https://${listen}/dir`;
  await waitFor(directory, daemon, ca);
  await waitFor(`https://${management}/roots/0`, daemon, ca);
  const managementGet = async (path: string) => {
    const res = await httpCall(`https://${management}${path}`, { ca });
    if (res.status !== 200) throw new Error(`pebble ${path}: ${res.status} ${res.body}`);
    return res.body;
  };
  return {
    directory,
    caBundle: tls.ca,
    eab: opts.eabRequired ? eabKeys[0] : undefined,
    eabKeys,
    rootPem: () => managementGet('/roots/0'),
    intermediatePem: () => managementGet('/intermediates/0'),
    async certStatus(serialHex) {
      const body: unknown = JSON.parse(await managementGet(`/cert-status-by-serial/${serialHex.toLowerCase()}`));
      const status = typeof body === 'object' && body !== null && 'Status' in body ? body.Status : undefined;
      if (typeof status !== 'string') throw new Error(`pebble cert-status-by-serial: no Status`);
      return status;
    },
    log: daemon.log,
    async stop() {
      await daemon.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- checking an issued certificate

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function pemBlocks(text: string): string[] {
  return text.match(PEM_RE) ?? [];
}

export function sanNames(certPem: string): string[] {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  return san
    .split(', ')
    .filter((s) => s !== '')
    .map((s) => s.replace(/^DNS:/, '').replace(/^IP Address:/, ''));
}

/**
 * `openssl verify` of the leaf in certPath against rootPem, the other certificates of certPath plus
 * intermediatesPem untrusted; the SANs must be exactly expectedNames. Returns the leaf PEM.
 */
export async function verifyIssued(certPath: string, rootPem: string, intermediatesPem: string | undefined, expectedNames: string[]): Promise<string> {
  const blocks = pemBlocks(await readFile(certPath, 'utf8'));
  if (blocks.length === 0) throw new Error(`${certPath} holds no certificate`);
  const [leaf, ...rest] = blocks;
  const untrusted = [...rest, ...pemBlocks(intermediatesPem ?? '')];
  const dir = await mkdtemp(join(tmpdir(), 'verify-'));
  try {
    await writeFile(join(dir, 'root.pem'), rootPem);
    await writeFile(join(dir, 'leaf.pem'), `${leaf}\n`);
    const args = ['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'root.pem')];
    if (untrusted.length > 0) {
      await writeFile(join(dir, 'untrusted.pem'), `${untrusted.join('\n')}\n`);
      args.push('-untrusted', join(dir, 'untrusted.pem'));
    }
    const out = await run('openssl', [...args, join(dir, 'leaf.pem')]);
    if (!out.stdout.includes(': OK')) throw new Error(`openssl verify: ${out.stdout} ${out.stderr}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const got = sanNames(leaf).sort();
  const want = [...expectedNames].sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`SANs of ${certPath}: ${got.join(',')}; expected ${want.join(',')}`);
  return leaf;
}
