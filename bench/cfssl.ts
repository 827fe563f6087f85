/**
 * The reference for part 1 of `npm run bench`: CFSSL's `cfssl serve` (Debian's golang-cfssl)
 * signing the same CSR through its HTTP API. It is a whole service (HTTP, JSON, CSR parsing and
 * verification, Go's x509.CreateCertificate) and uses every core, so what compares with one core
 * of the engine is certificates per CPU-second of the cfssl process, read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type CfsslKeyType = 'EC-P256' | 'RSA-2048';

export interface CfsslResult {
  keyType: CfsslKeyType;
  certificates: number;
  errors: number;
  wallSeconds: number;
  /** utime + stime of the cfssl process over the run. */
  cpuSeconds: number;
  perSecond: number;
  perCpuSecond: number;
}

const CA_KEYS: Record<CfsslKeyType, { algo: string; size: number }> = {
  'EC-P256': { algo: 'ecdsa', size: 256 },
  'RSA-2048': { algo: 'rsa', size: 2048 },
};

/** Whether `cfssl` runs here; the reason if not. */
export function cfsslMissing(): string | undefined {
  const r = spawnSync('cfssl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return `cfssl is not available (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install Debian's golang-cfssl`;
  if (r.status !== 0) return `\`cfssl version\` failed: ${r.stderr.trim()}`;
  return undefined;
}

export function cfsslVersion(): string {
  return /Version:\s*(\S+)/.exec(spawnSync('cfssl', ['version'], { encoding: 'utf8' }).stdout)?.[1] ?? 'unknown';
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process (all its threads), in seconds, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself hold spaces: state is field 3.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[14 - 3]) + Number(f[15 - 3])) / CLK_TCK;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// Every cfssl started here dies with the bench, whichever way the bench ends, and its
// directory (with the throwaway CA key) goes.
const running = new Set<ChildProcess>();
const dirs = new Set<string>();
const killAll = () => {
  for (const c of running) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void running.delete(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

function post(agent: Agent, port: number, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate of a successful /api/v1/cfssl/sign answer, or an Error saying what came back. */
function certificateOf(res: { status: number; body: string }): string | Error {
  try {
    const json = JSON.parse(res.body) as { success?: boolean; result?: { certificate?: string }; errors?: unknown };
    if (res.status === 200 && json.success && json.result?.certificate) return json.result.certificate;
    return new Error(`HTTP ${res.status}: ${JSON.stringify(json.errors ?? json)}`);
  } catch {
    return new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  }
}

/**
 * Makes a CA of `keyType` with `cfssl genkey -initca`, starts `cfssl serve` on a free port and
 * POSTs `/api/v1/cfssl/sign` for the CSRs, `concurrency` requests in flight, for `seconds`.
 */
export async function cfsslRate(keyType: CfsslKeyType, csrPems: string[], opts: { seconds: number; concurrency: number; host: string }): Promise<CfsslResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cfssl-'));
  dirs.add(dir);
  let child: ChildProcess | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  try {
    writeFileSync(join(dir, 'csr.json'), JSON.stringify({ CN: `Bench cfssl ${keyType} CA`, key: CA_KEYS[keyType] }));
    const init = spawnSync('cfssl', ['genkey', '-initca', join(dir, 'csr.json')], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (init.status !== 0) throw new Error(`cfssl genkey -initca failed: ${init.stderr || init.error}`);
    const ca = JSON.parse(init.stdout) as { cert: string; key: string };
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(join(dir, 'ca-key.pem'), ca.key, { mode: 0o600 });
    // The default profile: a TLS server certificate for 30 days.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ signing: { default: { usages: ['digital signature', 'key encipherment', 'server auth'], expiry: '720h' } } }));

    const port = await freePort();
    // -loglevel 2 (warnings): no log line per certificate, so no CPU spent on logging.
    child = spawn('cfssl', ['serve', '-loglevel', '2', '-address', '127.0.0.1', '-port', String(port), '-ca', join(dir, 'ca.pem'), '-ca-key', join(dir, 'ca-key.pem'), '-config', join(dir, 'config.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
    const spawned = child;
    const died = new Promise<never>((_, reject) => spawned.once('exit', (code, signal) => reject(new Error(`cfssl serve exited (${code ?? signal}): ${stderr.trim()}`))));
    died.catch(() => undefined);

    const bodies = csrPems.map((csr) => JSON.stringify({ certificate_request: csr, hosts: [opts.host] }));
    // Ready when it signs; check that what it signs chains to its CA.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await Promise.race([post(agent, port, '/api/v1/cfssl/sign', bodies[0]).catch((e: Error) => e), died]);
      if (!(res instanceof Error)) {
        const pem = certificateOf(res);
        if (pem instanceof Error) throw new Error(`cfssl serve did not sign: ${pem.message}`);
        const leaf = new X509Certificate(pem);
        if (!leaf.checkIssued(new X509Certificate(ca.cert)) || !leaf.verify(new X509Certificate(ca.cert).publicKey)) throw new Error('cfssl serve signed a certificate that does not chain to its CA');
        break;
      }
      if (Date.now() > deadline) throw new Error(`cfssl serve did not come up on port ${port}: ${res.message} ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const run = async (seconds: number) => {
      let certificates = 0;
      let errors = 0;
      let next = 0;
      let lastError: Error | undefined;
      const until = performance.now() + seconds * 1000;
      const worker = async () => {
        while (performance.now() < until) {
          const body = bodies[next++ % bodies.length];
          const res = await post(agent, port, '/api/v1/cfssl/sign', body).catch((e: Error) => e);
          const pem = res instanceof Error ? res : certificateOf(res);
          if (pem instanceof Error) {
            errors++;
            lastError = pem;
          } else certificates++;
        }
      };
      const cpu0 = cpuSecondsOf(child!.pid!);
      const t0 = performance.now();
      await Promise.race([Promise.all(Array.from({ length: opts.concurrency }, worker)), died]);
      const wallSeconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSecondsOf(child!.pid!) - cpu0;
      if (errors > certificates) throw new Error(`cfssl serve failed ${errors} of ${errors + certificates} requests: ${lastError?.message}`);
      return { certificates, errors, wallSeconds, cpuSeconds };
    };
    await run(0.5); // warm-up: connections, Go's scheduler and allocator
    const r = await run(opts.seconds);
    return { keyType, ...r, perSecond: r.certificates / r.wallSeconds, perCpuSecond: r.certificates / r.cpuSeconds };
  } finally {
    agent.destroy();
    if (child) await stop(child);
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  }
}
