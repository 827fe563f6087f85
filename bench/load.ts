/**
 * Part of `npm run bench` (BENCH_LOAD=0 skips it): the API under a fixed request rate. Open loop:
 * requests leave on a schedule (BENCH_LOAD_RATES, default 100 and 200 a second, for
 * BENCH_LOAD_SECONDS each), whatever the answers take, so a slow server shows as latency rather
 * than as a lower rate. Each route of the real stack runs beside its no-op twin (bench/noop) at the
 * same rate, interleaved: GET /v1/certificates/{id} against the no-op's GET /v1/jobs/{id} (one
 * GetItem), POST /v1/cas/{id}/certificates against the no-op's (PutItem + SendMessage). The token
 * cache is warm: one token, used before the measured runs. Each run starts once the queues of
 * both stacks are empty: the certificates an earlier run asked for are not signed beside it. Its
 * CPU (the run and the queue functions' work it left) is reported per request: the real POST's
 * pipeline (API, worker, dynalite) needs several times the no-op's, which bounds the rate this
 * machine can take whatever the emulator does.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { startStack, ROOT, type Stack } from '../scripts/stack.js';
import { api, createActiveCa, keystoneToken, waitForJob } from '../test/support/api.js';
import { makeCsr, tempDir } from '../test/support/openssl.js';
import { quantile } from './pipeline.js';
import { cpuSince, drained, stackCpu, type StackCpu } from './stackCpu.js';

if (process.env.BENCH_LOAD === '0') process.exit(0);
const RATES = (process.env.BENCH_LOAD_RATES ?? '100,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const TIMEOUT_MS = 10_000;

interface Route {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  body?: (i: number) => unknown;
}
interface Run {
  latencies: number[];
  errors: number;
  /** Non-2xx answers by status, and requests with no answer (`timeout`, `network`). */
  failures: Map<string, number>;
  sentRate: number;
}

/** Sends `rate` requests a second for `seconds` on a fixed schedule; latencies of the 2xx answers. */
async function openLoop(route: Route, token: string, rate: number, seconds: number): Promise<Run> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const failures = new Map<string, number>();
  const fail = (why: string) => {
    errors++;
    failures.set(why, (failures.get(why) ?? 0) + 1);
  };
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    inFlight.push(
      fetch(route.url, {
        method: route.method,
        headers: { 'X-Auth-Token': token, ...(route.body ? { 'Content-Type': 'application/json' } : {}) },
        body: route.body ? JSON.stringify(route.body(i)) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - sent);
          else fail(String(res.status));
        })
        .catch((e: Error) => fail(e.name === 'TimeoutError' ? 'timeout' : 'network')),
    );
  }
  const sentRate = total / ((performance.now() - t0) / 1000);
  await Promise.all(inFlight);
  return { latencies, errors, failures, sentRate };
}

const tmp = tempDir();
const stacks: Stack[] = [];
let exit = 0;
try {
  const started = await Promise.allSettled([
    startStack({ apiPort: 26000, lambdaPort: 26002, dynamoPort: 26567, sqsPort: 26324, devKeystonePort: 0, devBarbicanPort: 0, logFile: join(ROOT, '.local', 'offline-bench-load.log') }),
    startStack({ serviceDir: join(ROOT, 'bench', 'noop'), openstack: {}, apiPort: 26100, lambdaPort: 26102, dynamoPort: 26667, sqsPort: 26424, logFile: join(ROOT, '.local', 'offline-bench-load-noop.log') }),
  ]);
  for (const s of started) if (s.status === 'fulfilled') stacks.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [real, noop] = stacks;
  process.env.API_URL = real.apiUrl;
  process.env.OS_AUTH_URL = real.authUrl;
  const token = await keystoneToken('admin', 'secret', 'admin');
  const ca = await createActiveCa(token, { subject: { CN: 'Load bench' }, key_type: 'EC-P256' });
  const csrs = Array.from({ length: 20 }, (_, i) => makeCsr(tmp.dir, 'ec256', `l${i}.example.org`, [`DNS:l${i}.example.org`]).csr);
  const issued = await api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { csr: csrs[0] } });
  const job = await waitForJob(token, issued.body.job.id);
  if (job.status !== "succeeded") throw new Error(`the first certificate failed: ${job.reason}`);
  const certId = issued.body.certificate.id as string;
  const noopJob = (await (await fetch(`${noop.apiUrl}/v1/cas/x/certificates`, { method: 'POST' })).json()) as { job: { id: string } };
  const builds = new Map<Stack, string>([
    [real, `${join(ROOT, process.env.ESBUILD_WORK_FOLDER ?? '.esbuild')}/`],
    [noop, `${join(ROOT, 'bench', 'noop', '.esbuild')}/`],
  ]);
  /**
   * A run, then the queue work it left; the CPU of both. First 2 s at the same rate, so that the
   * run meets the containers its rate needs: serverless-offline starts them one at a time
   * (dev/offline), and a request that waits for a cold start (~40 ms here, on a machine loaded
   * by the run) would otherwise be the p99 of a run that starts with too few.
   */
  const measured = async (stack: Stack, route: Route, rate: number): Promise<{ run: Run; cpu: StackCpu }> => {
    await openLoop(route, token, rate, 2);
    await drained(stack);
    const before = stackCpu(stack, builds.get(stack)!);
    const run = await openLoop(route, token, rate, SECONDS);
    await drained(stack);
    return { run, cpu: cpuSince(before, stackCpu(stack, builds.get(stack)!)) };
  };
  const pairs: Array<[Route, Route]> = [
    [
      { name: 'GET /v1/certificates/{id}', method: 'GET', url: `${real.apiUrl}/v1/certificates/${certId}` },
      { name: 'no-op GET /v1/jobs/{id}', method: 'GET', url: `${noop.apiUrl}/v1/jobs/${noopJob.job.id}` },
    ],
    [
      { name: 'POST /v1/cas/{id}/certificates', method: 'POST', url: `${real.apiUrl}/v1/cas/${ca.id}/certificates`, body: (i) => ({ csr: csrs[i % csrs.length] }) },
      { name: 'no-op POST', method: 'POST', url: `${noop.apiUrl}/v1/cas/${ca.id}/certificates`, body: (i) => ({ csr: csrs[i % csrs.length] }) },
    ],
  ];
  console.log(`\n== the API at a fixed rate (open loop, ${SECONDS} s per run, warm token cache): p50 / p99 of 2xx answers, real route against its no-op twin at the same rate`);
  // Warm-up: every function of both stacks loaded.
  for (const [a, b] of pairs) for (const r of [a, b]) await openLoop(r, token, 50, 2);
  for (const s of stacks) await drained(s);
  const ms = (x: number | undefined) => (x === undefined ? '     -' : x.toFixed(1).padStart(6));
  for (const rate of RATES) {
    for (const [a, b] of pairs) {
      const { run: ra, cpu: ca } = await measured(real, a, rate);
      const { run: rb, cpu: cb } = await measured(noop, b, rate);
      const p = (r: Run, q: number) => (r.latencies.length ? quantile(r.latencies, q) : undefined);
      const line = (r: Route, run: Run) => `   ${r.name.padEnd(32)} p50 ${ms(p(run, 0.5))} ms  p99 ${ms(p(run, 0.99))} ms  (sent ${run.sentRate.toFixed(0)}/s, ${run.latencies.length} ok${run.errors ? `, failed: ${[...run.failures].map(([k, v]) => `${k} ${v}`).join(', ')}` : ''})`;
      console.log(`${rate}/s  ${a.name}`);
      console.log(line(a, ra));
      console.log(line(b, rb));
      const r99 = p(ra, 0.99) !== undefined && p(rb, 0.99) ? p(ra, 0.99)! / p(rb, 0.99)! : NaN;
      const r50 = p(ra, 0.5) !== undefined && p(rb, 0.5) ? p(ra, 0.5)! / p(rb, 0.5)! : NaN;
      console.log(`   real/no-op  p50 ${r50.toFixed(2)}x  p99 ${r99.toFixed(2)}x   (goal p99 <= 1.5x)`);
      const sent = (r: Run) => r.latencies.length + r.errors;
      const total = (c: StackCpu, r: Run) => (c.offline + c.queues + c.here) / sent(r);
      const cores = (c: StackCpu, r: Run) => `${total(c, r).toFixed(1)} ms = ${((total(c, r) * rate) / 1000).toFixed(1)} cores`;
      const parts = (c: StackCpu, r: Run) => [c.offline, c.queues, c.here].map((x) => (x / sent(r)).toFixed(1)).join(' + ');
      console.log(`   CPU per request (the run and the queue work it left): real ${cores(ca, ra)}, no-op ${cores(cb, rb)} at ${rate}/s; this machine has ${availableParallelism()}`);
      console.log(`     serverless-offline + queue functions + dynalite/SQS/Keystone/client: real ${parts(ca, ra)} ms, no-op ${parts(cb, rb)} ms`);
      console.log(`     containers started during the run (serverless-offline's threads): real ${ca.threads}, no-op ${cb.threads}`);
    }
  }
} catch (e) {
  console.error(`load bench: ${(e as Error).stack}`);
  exit = 1;
} finally {
  tmp.cleanup();
  for (const s of stacks) await s.stop();
}
process.exit(exit);
