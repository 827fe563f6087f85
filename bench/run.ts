/**
 * `npm run bench`: figures, not pass/fail.
 *  1. the signing engine alone (build + sign a leaf) against `openssl speed` on the same key types,
 *     and against CFSSL's `cfssl serve` signing the same CSR (skipped if cfssl is not installed);
 *  2. latency of POST /v1/cas/{id}/certificates until the job is `succeeded`, through the whole
 *     local pipeline (HTTP → SQS emulator → worker → store), median of 100 per CA key type.
 *     BENCH_PIPELINE=0 skips it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { api, keystoneToken, createActiveCa, waitForJob } from '../test/support/api.js';
import { makeCsr, tempDir } from '../test/support/openssl.js';
import { startStack, ROOT } from '../scripts/stack.js';
import { cfsslMissing, cfsslRate, cfsslVersion, type CfsslResult } from './cfssl.js';
import { engineRate, opensslSpeed, type EngineRate } from './engine.js';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const median = (xs: number[]) => quantile(xs, 0.5);
const num = (x: number, w = 6) => x.toFixed(0).padStart(w);
const ROUNDS = 3;

const KEY_TYPES = [
  { keyType: 'RSA-2048', speed: 'rsa2048', gen: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  { keyType: 'EC-P256', speed: 'ecdsap256', gen: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
] as const;

const tmp = tempDir();
try {
  // One CSR (EC P-256 subject key, made by openssl) for the engine and for cfssl alike.
  const csr = makeCsr(tmp.dir, 'ec256', 'bench').csr;
  const SANS_HOST = 'bench.example.org';

  console.log(`== signing engine, one core: certificates per CPU-second (openssl speed also divides by CPU time), medians of ${ROUNDS} interleaved rounds`);
  const engine = new Map<string, { prepared: EngineRate; composed: EngineRate; openssl: number }>();
  for (const { keyType, speed, gen } of KEY_TYPES) {
    // Rounds of openssl then engine, medians of each: both see the same machine, whatever else runs on it.
    const { privateKey } = gen();
    const rounds = Array.from({ length: ROUNDS }, () => ({ openssl: opensslSpeed(speed, 1), engine: engineRate(keyType, privateKey, csr, 1, 'prepared') }));
    const openssl = median(rounds.map((r) => r.openssl));
    const prepared = { perCpuSecond: median(rounds.map((r) => r.engine.perCpuSecond)), perSecond: median(rounds.map((r) => r.engine.perSecond)) };
    const composed = engineRate(keyType, privateKey, csr, 1, 'composed');
    engine.set(keyType, { prepared, composed, openssl });
    console.log(
      `${keyType.padEnd(9)} engine ${num(prepared.perCpuSecond)} certificates/s (wall ${num(prepared.perSecond)}/s; composed TbsInput path ${num(composed.perCpuSecond)})   openssl speed ${num(openssl)} signs/s   ratio ${(prepared.perCpuSecond / openssl).toFixed(2)}`,
    );
  }

  const cores = cpus().length;
  console.log(`\n== reference: cfssl serve, POST /api/v1/cfssl/sign, same CSR, 8 requests in flight, ${cores} cores shared with this client`);
  const cfssl = new Map<string, CfsslResult>();
  const missing = cfsslMissing();
  if (missing) console.log(`skipped: ${missing}`);
  else {
    console.log(`cfssl ${cfsslVersion()}`);
    for (const { keyType } of KEY_TYPES) {
      try {
        const r = await cfsslRate(keyType, [csr], { seconds: 3, concurrency: 8, host: SANS_HOST });
        cfssl.set(keyType, r);
        console.log(
          `${keyType.padEnd(9)} cfssl serve ${num(r.perSecond)} certificates/s, ${r.cpuSeconds.toFixed(2)} CPU-s in ${r.wallSeconds.toFixed(2)} s (${(r.cpuSeconds / r.wallSeconds).toFixed(2)} cores) = ${num(r.perCpuSecond)} certificates per CPU-second (n=${r.certificates}, errors ${r.errors})`,
        );
      } catch (e) {
        console.log(`${keyType.padEnd(9)} cfssl serve failed: ${(e as Error).message}`);
      }
    }
  }

  console.log('\n== summary, per core');
  console.log('key type    engine/CPU-s   openssl speed   cfssl/s   cfssl/CPU-s   engine/openssl   engine/cfssl-per-core');
  for (const { keyType } of KEY_TYPES) {
    const e = engine.get(keyType)!;
    const c = cfssl.get(keyType);
    console.log(
      `${keyType.padEnd(9)} ${num(e.prepared.perCpuSecond, 14)} ${num(e.openssl, 15)} ${c ? num(c.perSecond, 9) : '        -'} ${c ? num(c.perCpuSecond, 13) : '            -'} ${(e.prepared.perCpuSecond / e.openssl).toFixed(2).padStart(16)} ${c ? (e.prepared.perCpuSecond / c.perCpuSecond).toFixed(1).padStart(23) : '                      -'}`,
    );
  }

  if (process.env.BENCH_PIPELINE !== '0') await pipeline();
} finally {
  tmp.cleanup();
}

async function pipeline() {
  console.log('\n== local pipeline: POST /v1/cas/{id}/certificates -> job succeeded');
  mkdirSync(join(ROOT, '.local'), { recursive: true });
  const stack = await startStack({ apiPort: 23000, lambdaPort: 23002, dynamoPort: 24567, sqsPort: 29324, devKeystonePort: 0, devBarbicanPort: 0, logFile: join(ROOT, '.local', 'offline-bench.log') });
  process.env.API_URL = stack.apiUrl;
  process.env.OS_AUTH_URL = stack.authUrl;
  try {
    const client = { api, keystoneToken, createActiveCa, waitForJob: (t: string, id: string) => waitForJob(t, id, 30_000, 2) };
    const token = await client.keystoneToken('admin', 'secret', 'admin');
    const N = Number(process.env.BENCH_REQUESTS ?? 100);
    for (const keyType of ['EC-P256', 'RSA-2048'] as const) {
      const ca = await client.createActiveCa(token, { subject: { CN: `Bench ${keyType}` }, key_type: keyType });
      const csrs = Array.from({ length: N }, (_, i) => makeCsr(tmp.dir, 'ec256', `b${i}.example.org`, [`DNS:b${i}.example.org`]).csr);
      // Warm-up: first invocations load bundles and fetch the CA key from Barbican.
      for (const csr of csrs.slice(0, 3)) await client.waitForJob(token, (await client.api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { csr } })).body.job.id);
      const times: number[] = [];
      for (const csr of csrs) {
        const t0 = performance.now();
        const res = await client.api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { csr } });
        const job = await client.waitForJob(token, res.body.job.id);
        if (job.status !== 'succeeded') throw new Error(`job failed: ${job.reason}`);
        times.push(performance.now() - t0);
      }
      console.log(`${keyType.padEnd(9)} CA: median ${quantile(times, 0.5).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms (n=${N}, job polled every 2 ms)`);
    }
  } finally {
    await stack.stop();
  }
}
