// Shared by the VA suites: pebble-challtestsrv as DNS server and tls-alpn-01 responder, free ports,
// and self-signed certificates made with openssl.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ports other suites use. */
const TAKEN = new Set([3000, 3001, 3002, 4567, 9324, 5000, 5001, 5002, 8053, 8055, 5433, 35357, 9311]);

const tcpFree = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });

const udpFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** A random high port free for TCP (and UDP, with `udp`) on 127.0.0.1. */
export async function freePort(udp = false): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (TAKEN.has(port)) continue;
    if ((await tcpFree(port)) && (!udp || (await udpFree(port)))) return port;
  }
}

export interface Challtestsrv {
  dnsPort: number;
  tlsAlpnPort: number;
  resolver: string;
  post(path: string, body: unknown): Promise<void>;
  /** A records for names (no trailing dot needed). */
  addA(host: string, addresses: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** challtestsrv with no default A/AAAA answer: a name resolves only once a test adds it. */
export async function startChalltestsrv(): Promise<Challtestsrv> {
  const [mgmt, dnsPort, tlsAlpnPort] = [await freePort(), await freePort(true), await freePort()];
  const args = ['-management', `127.0.0.1:${mgmt}`, '-dns01', `127.0.0.1:${dnsPort}`, '-tlsalpn01', `127.0.0.1:${tlsAlpnPort}`];
  const child: ChildProcess = spawn('/usr/bin/pebble-challtestsrv', [...args, '-http01', '', '-https01', '', '-defaultIPv4', '', '-defaultIPv6', ''], { stdio: 'ignore' });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${mgmt}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`challtestsrv ${path}: HTTP ${res.status}`);
  };
  for (let i = 0; ; i++) {
    try {
      // Any answer (a 404) means the management API, started last, is up.
      await fetch(`http://127.0.0.1:${mgmt}/`);
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) throw new Error('pebble-challtestsrv did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    dnsPort,
    tlsAlpnPort,
    resolver: `127.0.0.1:${dnsPort}`,
    post,
    addA: (host, addresses) => post('/add-a', { host: `${host}.`, addresses }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** A self-signed P-256 certificate and key (PEM), with the given -addext extensions. */
export function selfSigned(extensions: string[]): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'va-cert-'));
  try {
    const [k, c] = [join(dir, 'k.pem'), join(dir, 'c.pem')];
    const ext = extensions.flatMap((e) => ['-addext', e]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', k, '-out', c, '-days', '1', '-subj', '/CN=va test', ...ext], { stdio: 'pipe' });
    return { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether this machine can listen on ::1. */
export const ipv6Loopback = () => tcpFree(0, '::1');
