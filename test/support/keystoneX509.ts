/**
 * The real Keystone of scripts/openstack-up.sh behind Apache mod_ssl + mod_wsgi
 * (scripts/keystone-x509-up.sh): X.509 client certificates of a login CA get Keystone tokens through
 * federation, and those tokens validate at the :5000 Keystone our service uses (same database,
 * same fernet keys, same [auth] methods).
 *
 *   const state = openstackStateDir();
 *   const ks = await startKeystoneX509(state, loginCaPem);           // again with another bundle: new trust
 *   await federate(AUTH_URL, adminToken, { idpId, identityProvider: { remote_ids: [caDnRfc2253], domain_id: 'default', enabled: true },
 *     mappingId, mapping: { rules }, protocolId: 'x509', protocol: { mapping_id: mappingId, remote_id_attribute: 'SSL_CLIENT_I_DN' } });
 *   const r = await x509Token({ url: ks.url, cacert: ks.cacert, certPem, keyPem, idpId, protocolId: 'x509' });
 *   // r.curlExit 0 + r.status 201 + r.token, or r.curlExit != 0 (refused in TLS: apacheRefusal(state, mark) says why)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readEnvFile } from '../../scripts/stack.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'keystone-x509-up.sh');

export interface KeystoneX509 {
  /** https://127.0.0.1:5443/v3 */
  url: string;
  /** PEM file of the throw-away CA of Apache's TLS server certificate (curl --cacert). */
  cacert: string;
  /** Apache's error log: why a client certificate was refused (see apacheRefusal). */
  errorLog: string;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 16 << 20, env: opts.env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr: err && code === -1 ? `${stderr}${err.message}` : stderr });
    });
  });
}

/**
 * The state directory of the running scripts/openstack-up.sh: OPENSTACK_STATE_DIR from its env file
 * (scripts/with-stack.ts --openstack passes that file to the tests), else derived from an older
 * env file's KEYSTONE_JWS_PUBLIC_KEY_DIR (STATE/ks/jws/public).
 */
export function openstackStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPENSTACK_STATE_DIR) return env.OPENSTACK_STATE_DIR;
  if (env.KEYSTONE_JWS_PUBLIC_KEY_DIR) return dirname(dirname(dirname(env.KEYSTONE_JWS_PUBLIC_KEY_DIR)));
  throw new Error('no OPENSTACK_STATE_DIR: run under scripts/with-stack.ts --openstack STATE_DIR, or export it');
}

/**
 * Runs scripts/keystone-x509-up.sh: starts Apache on https://127.0.0.1:5443 in front of the real
 * Keystone, or restarts it gracefully with the new trust when it already runs (returns once new
 * handshakes offer exactly these CAs and Keystone answers). `clientCasPem` is PEM text (one or more
 * CA certificates) or the path of such a file: the ONLY CAs whose client certificates Apache accepts.
 * `ocspUrl`: the responder asked about every client certificate; without it, each certificate's AIA.
 */
export async function startKeystoneX509(state: string, clientCasPem: string, ocspUrl?: string): Promise<KeystoneX509> {
  let file = clientCasPem;
  let tmp: string | undefined;
  if (clientCasPem.includes('-----BEGIN')) {
    tmp = mkdtempSync(join(tmpdir(), 'keystone-x509-cas-'));
    file = join(tmp, 'client-cas.pem');
    writeFileSync(file, clientCasPem);
  }
  try {
    const r = await run('bash', [SCRIPT, state, file, ...(ocspUrl ? [ocspUrl] : [])], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`keystone-x509-up.sh exited ${r.code}:\n${r.stderr.slice(-6000)}`);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  const env = readEnvFile(join(state, 'x509.env'));
  return { url: env.KEYSTONE_X509_URL, cacert: env.KEYSTONE_X509_CACERT, errorLog: env.KEYSTONE_X509_ERROR_LOG };
}

/** Stops the Apache of startKeystoneX509 (APACHE_PID of STATE/pids); scripts/openstack-down.sh does it too. */
export async function stopKeystoneX509(state: string): Promise<void> {
  const pidsFile = join(state, 'pids');
  if (!existsSync(pidsFile)) return;
  const lines = readFileSync(pidsFile, 'utf8').split('\n');
  const pid = Number(lines.find((l) => l.startsWith('APACHE_PID='))?.slice('APACHE_PID='.length));
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch {
      // gone
    }
  }
  writeFileSync(pidsFile, lines.filter((l) => !l.startsWith('APACHE_PID=')).join('\n'));
}

// ---- Keystone REST (plain HTTP: the :5000 Keystone, which shares the database with :5443)

const v3 = (url: string) => url.replace(/\/+$/, '').replace(/(?<!\/v3)$/, '/v3');

async function ks(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${v3(url)}${path}`, {
    method,
    headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

function must(r: { status: number; body: unknown }, what: string, ok: number[]): void {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
}

/** A password token (project-scoped when `project` is given, in domain Default), from Keystone's /v3. */
export async function passwordToken(authUrl: string, user: string, password: string, project?: string): Promise<string> {
  const res = await fetch(`${v3(authUrl)}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`password token for ${user}: HTTP ${res.status} ${await res.text()}`);
  return token;
}

/** GET /v3/auth/tokens: `status` 200 and the token's body when Keystone at `authUrl` accepts it. */
export async function validateToken(authUrl: string, adminToken: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${v3(authUrl)}/auth/tokens?nocatalog`, { headers: { 'X-Auth-Token': adminToken, 'X-Subject-Token': token } });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export interface FederationObjects {
  idpId: string;
  /** The identity_provider object, e.g. { remote_ids: [caDn], domain_id: 'default', enabled: true }. */
  identityProvider: object;
  mappingId: string;
  /** The mapping object: { rules: [...] }. */
  mapping: object;
  protocolId: string;
  /** The protocol object, e.g. { mapping_id, remote_id_attribute: 'SSL_CLIENT_I_DN' } (mapping_id defaults to mappingId). */
  protocol: object;
}

const unwrap = (o: object, key: string): Record<string, unknown> => {
  const r = o as Record<string, unknown>;
  return (r[key] && typeof r[key] === 'object' ? r[key] : r) as Record<string, unknown>;
};

/**
 * Creates, or brings up to date, an identity provider, a mapping and the IdP's protocol
 * (PUT; on 409 PATCH, or delete and PUT an IdP whose domain_id differs: Keystone cannot change it).
 * `keystoneUrl`: the :5000 Keystone's (http) URL, with or without /v3; objects may be given bare
 * or wrapped ({ identity_provider: {...} }).
 */
export async function federate(keystoneUrl: string, adminToken: string, objects: FederationObjects): Promise<void> {
  const { idpId, mappingId, protocolId } = objects;
  const idp = unwrap(objects.identityProvider, 'identity_provider');
  const mapping = unwrap(objects.mapping, 'mapping');
  const protocol = { mapping_id: mappingId, ...unwrap(objects.protocol, 'protocol') };
  const idpPath = `/OS-FEDERATION/identity_providers/${encodeURIComponent(idpId)}`;
  const mappingPath = `/OS-FEDERATION/mappings/${encodeURIComponent(mappingId)}`;
  const protocolPath = `${idpPath}/protocols/${encodeURIComponent(protocolId)}`;

  let r = await ks(keystoneUrl, adminToken, 'PUT', idpPath, { identity_provider: idp });
  if (r.status === 409) {
    const existing = await ks(keystoneUrl, adminToken, 'GET', idpPath);
    const current = (existing.body as { identity_provider?: { domain_id?: string } } | undefined)?.identity_provider;
    if (existing.status === 200 && idp.domain_id !== undefined && current?.domain_id !== idp.domain_id) {
      must(await ks(keystoneUrl, adminToken, 'DELETE', idpPath), `DELETE ${idpPath}`, [204, 404]);
      r = await ks(keystoneUrl, adminToken, 'PUT', idpPath, { identity_provider: idp });
    } else if (existing.status === 200) {
      const { domain_id: _domain, ...patch } = idp;
      r = await ks(keystoneUrl, adminToken, 'PATCH', idpPath, { identity_provider: patch });
    }
  }
  must(r, `PUT ${idpPath}`, [200, 201]);

  r = await ks(keystoneUrl, adminToken, 'PUT', mappingPath, { mapping });
  if (r.status === 409) r = await ks(keystoneUrl, adminToken, 'PATCH', mappingPath, { mapping });
  must(r, `PUT ${mappingPath}`, [200, 201]);

  r = await ks(keystoneUrl, adminToken, 'PUT', protocolPath, { protocol });
  if (r.status === 409) r = await ks(keystoneUrl, adminToken, 'PATCH', protocolPath, { protocol });
  must(r, `PUT ${protocolPath}`, [200, 201]);
}

/** Deletes what federate() made (the IdP takes its protocols with it); missing objects are fine. */
export async function unfederate(keystoneUrl: string, adminToken: string, ids: { idpId: string; mappingId?: string }): Promise<void> {
  const idpPath = `/OS-FEDERATION/identity_providers/${encodeURIComponent(ids.idpId)}`;
  must(await ks(keystoneUrl, adminToken, 'DELETE', idpPath), `DELETE ${idpPath}`, [204, 404]);
  if (ids.mappingId) {
    const mappingPath = `/OS-FEDERATION/mappings/${encodeURIComponent(ids.mappingId)}`;
    must(await ks(keystoneUrl, adminToken, 'DELETE', mappingPath), `DELETE ${mappingPath}`, [204, 404]);
  }
}

// ---- the client: curl with a client certificate

export interface X509TokenOptions {
  /** KEYSTONE_X509_URL (https://127.0.0.1:5443/v3) */
  url: string;
  /** KEYSTONE_X509_CACERT: the TLS CA of Apache's server certificate */
  cacert: string;
  /** The client certificate (PEM; a chain may follow the leaf) and its private key (PEM). Both omitted: no certificate. */
  certPem?: string;
  keyPem?: string;
  idpId: string;
  protocolId: string;
  /** Without: POST .../OS-FEDERATION/identity_providers/{idp}/protocols/{protocol}/auth (the user's default
   *  project, else unscoped). With: POST /v3/auth/tokens, method "mapped", scoped in the same call. */
  scope?: { projectName: string; domainId?: string } | { projectId: string };
  timeoutSeconds?: number;
}

export interface X509TokenResult {
  /** curl's exit status: 0 = an HTTP answer; 56 / 35 / 16 etc. = refused in the TLS handshake (see apacheRefusal). */
  curlExit: number;
  status?: number;
  /** X-Subject-Token */
  token?: string;
  body?: unknown;
  /** curl's own message when curlExit != 0 (never the key). */
  error?: string;
}

/**
 * Asks the Keystone behind Apache for a token with a client certificate, using the curl binary
 * (--cert/--key from temporary files, mode 0600, removed afterwards; the key is never logged).
 */
export async function x509Token(opts: X509TokenOptions): Promise<X509TokenResult> {
  const dir = mkdtempSync(join(tmpdir(), 'x509-token-'));
  try {
    const base = opts.url.replace(/\/+$/, '');
    const args = ['-sS', '--cacert', opts.cacert, '-o', join(dir, 'body'), '-D', join(dir, 'headers'), '-w', '%{http_code}', '--max-time', String(opts.timeoutSeconds ?? 30), '-X', 'POST'];
    if (opts.certPem || opts.keyPem) {
      if (!opts.certPem || !opts.keyPem) throw new Error('x509Token: certPem and keyPem go together');
      writeFileSync(join(dir, 'cert.pem'), opts.certPem, { mode: 0o600 });
      writeFileSync(join(dir, 'key.pem'), opts.keyPem, { mode: 0o600 });
      args.push('--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'));
    }
    let url: string;
    if (opts.scope) {
      const project = 'projectId' in opts.scope ? { id: opts.scope.projectId } : { name: opts.scope.projectName, domain: { id: opts.scope.domainId ?? 'default' } };
      const body = { auth: { identity: { methods: ['mapped'], mapped: { identity_provider: opts.idpId, protocol: opts.protocolId } }, scope: { project } } };
      writeFileSync(join(dir, 'request.json'), JSON.stringify(body));
      args.push('-H', 'Content-Type: application/json', '--data-binary', `@${join(dir, 'request.json')}`);
      url = `${base}/auth/tokens?nocatalog`;
    } else {
      url = `${base}/OS-FEDERATION/identity_providers/${encodeURIComponent(opts.idpId)}/protocols/${encodeURIComponent(opts.protocolId)}/auth`;
    }
    args.push(url);
    const r = await run('curl', args, { timeoutMs: ((opts.timeoutSeconds ?? 30) + 10) * 1000 });
    if (r.code !== 0) return { curlExit: r.code, error: r.stderr.trim() };
    const status = Number(r.stdout.trim());
    const headers = existsSync(join(dir, 'headers')) ? readFileSync(join(dir, 'headers'), 'utf8') : '';
    const token = [...headers.matchAll(/^x-subject-token:\s*(\S+)/gim)].pop()?.[1];
    const text = existsSync(join(dir, 'body')) ? readFileSync(join(dir, 'body'), 'utf8') : '';
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { curlExit: 0, status, ...(token ? { token } : {}), body };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- why Apache refused a certificate

const errorLogOf = (state: string) => join(state, 'x509', 'error.log');

/** The current end of Apache's error log: pass it to apacheRefusal to see only what came after. */
export function apacheLogMark(state: string): number {
  const f = errorLogOf(state);
  return existsSync(f) ? statSync(f).size : 0;
}

/** Apache's error log from byte `since` on. */
export function apacheLog(state: string, since = 0): string {
  const f = errorLogOf(state);
  if (!existsSync(f)) return '';
  const size = statSync(f).size;
  if (size <= since) return '';
  const buf = Buffer.alloc(size - since);
  const fd = openSync(f, 'r');
  try {
    readSync(fd, buf, 0, buf.length, since);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}

/**
 * The client-certificate refusals Apache logged after byte `since` (apacheLogMark), one a line,
 * without the log prefix; undefined if none. E.g. "AH02276: Certificate Verification: Error (10):
 * certificate has expired [subject: ...]", "... Error (20): unable to get local issuer certificate",
 * "AH03239: OCSP validation completed, certificate status: revoked (1, 1) [subject: ...]",
 * "AH01977: failed reading line from OCSP server" (responder down), "AH01918: no OCSP responder
 * specified in certificate and no default configured".
 */
export function apacheRefusal(state: string, since = 0): string | undefined {
  const lines = apacheLog(state, since)
    .split('\n')
    .filter((l) => /AH02276|AH02039|AH02038|OCSP/.test(l) && !/AH01975|AH01981|AH01987|status: good/.test(l))
    .map((l) => l.replace(/^\[[^\]]*\] \[[^\]]*\] \[pid [^\]]*\] (\[client [^\]]*\] )?/, ''));
  return lines.length ? lines.join('\n') : undefined;
}
