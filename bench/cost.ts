/**
 * Part of `npm run bench` (BENCH_COST=0 skips it): what one issued certificate asks of AWS, counted
 * on the local stack, priced at AWS's list prices, and what the counts say of scale.
 *
 * A client POSTs a CSR to /v1/cas/{id}/certificates and reads its job once when the worker is done
 * (BENCH_COST_CERTS of them, 4 in flight, after 5 unmeasured ones warm the functions and the CA key
 * cache). Counted: every DynamoDB and SQS request of the API and the worker (dynalite's and the SQS
 * emulator's servers), DynamoDB capacity units by dynalite's own arithmetic with index writes added
 * (dev/awsCounts.ts), the queue-triggered functions' invocations and time in their handlers
 * (dev/lambda), the worker's Keystone and Barbican calls (its fault proxies, passing everything).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AwsCounts } from '../dev/awsCounts.js';
import { startStack, ROOT } from '../scripts/stack.js';
import { api, createActiveCa, keystoneToken, waitForJob } from '../test/support/api.js';
import { makeCsr, tempDir } from '../test/support/openssl.js';
import { median } from './pipeline.js';
import { PRICES, PRICES_AS_OF, costPerMillion, scaleOnPaper, TIME_ORDERED_KINDS, type PerCertificate } from './costModel.js';

if (process.env.BENCH_COST === '0') process.exit(0);
const N = Number(process.env.BENCH_COST_CERTS ?? 40);
const WARM = 5;
const IN_FLIGHT = 4;

const counts = new AwsCounts();
const tmp = tempDir();
const stack = await startStack({ apiPort: 27000, lambdaPort: 27002, dynamoPort: 27567, sqsPort: 27324, devKeystonePort: 0, devBarbicanPort: 0, logFile: join(ROOT, '.local', 'offline-bench-cost.log'), faultProxies: true, awsCounts: counts });
let exit = 0;
try {
  process.env.API_URL = stack.apiUrl;
  process.env.OS_AUTH_URL = stack.authUrl;
  const token = await keystoneToken('admin', 'secret', 'admin');
  const ca = await createActiveCa(token, { subject: { CN: 'Cost bench' }, key_type: 'EC-P256' });
  const csrs = Array.from({ length: N + WARM }, (_, i) => makeCsr(tmp.dir, 'ec256', `c${i}.example.org`, [`DNS:c${i}.example.org`]).csr);
  const issue = async (csr: string) => {
    const t0 = performance.now();
    const r = await api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { csr } });
    if (r.status !== 202) throw new Error(`POST: ${r.status} ${JSON.stringify(r.body)}`);
    return { jobId: r.body.job.id as string, ms: performance.now() - t0 };
  };
  for (let i = 0; i < WARM; i++) await waitForJob(token, (await issue(csrs[N + i])).jobId);

  const worker = stack.queues.sources.find((s) => s.trigger.functionKey === 'worker')!;
  const before = { deleted: worker.stats.deleted, pools: stack.queues.sources.map((s) => ({ key: s.trigger.functionKey, ...s.pool.stats })), proxies: snapshotProxies() };
  counts.reset();
  const posts: Array<{ jobId: string; ms: number }> = [];
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < N) posts.push(await issue(csrs[next++]));
  }));
  const until = Date.now() + 180_000;
  while (worker.stats.deleted - before.deleted < N && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const gets: number[] = [];
  let succeeded = 0;
  for (const p of posts) {
    const t0 = performance.now();
    const r = await api('GET', `/v1/jobs/${p.jobId}`, { token });
    gets.push(performance.now() - t0);
    if (r.body?.job?.status === 'succeeded') succeeded++;
  }
  if (succeeded !== N) throw new Error(`${N - succeeded} of ${N} jobs did not succeed`);

  const pools = stack.queues.sources.map((s, i) => ({ key: s.trigger.functionKey, invocations: s.pool.stats.invocations - before.pools[i].invocations, runMs: s.pool.stats.runMs - before.pools[i].runMs }));
  const proxies = snapshotProxies(before.proxies);
  const memoryMb = functionMemoryMb();
  const per: PerCertificate = {
    apiRequests: 2,
    apiMs: median(posts.map((p) => p.ms)) + median(gets),
    apiMemoryMb: memoryMb,
    queueInvocations: pools.reduce((a, p) => a + p.invocations, 0) / N,
    queueMs: pools.reduce((a, p) => a + p.runMs, 0) / N,
    queueMemoryMb: memoryMb,
    dynamoWriteUnits: counts.writeUnits / N,
    dynamoReadUnits: counts.readUnits / N,
    sqsRequests: counts.total('sqs') / N,
    keystoneCalls: (proxies.keystone ?? 0) / N,
    barbicanCalls: (proxies.barbican ?? 0) / N,
  };

  const f = (x: number, d = 2) => x.toFixed(d);
  console.log(`\n== cost per certificate: ${N} certificates (EC P-256 CA, CSR), ${IN_FLIGHT} in flight, each POSTed and its job read once; counted on the local stack`);
  console.log(`DynamoDB  ${f(per.dynamoWriteUnits)} write units (${f(counts.indexWriteUnits / N)} of them index writes), ${f(per.dynamoReadUnits)} read units, ${f(counts.total('dynamodb') / N)} requests:`);
  console.log(`          ${[...counts.requests].filter(([k]) => k.startsWith('dynamodb')).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.slice(9)} ${f(v / N)}`).join(', ')}`);
  console.log(`          of them the worker's ${f((proxies.dynamodb ?? 0) / N)} (through its fault proxy), the API's ${f(counts.total('dynamodb') / N - (proxies.dynamodb ?? 0) / N)}`);
  console.log(`          table writes by item kind: ${[...counts.kindWrites].sort((a, b) => b[1].units - a[1].units).map(([k, v]) => `${k} ${f(v.writes / N)} (${f(v.units / N)} units)`).join(', ')}`);
  console.log(`SQS       ${f(per.sqsRequests)} requests: ${[...counts.requests].filter(([k]) => k.startsWith('sqs')).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.slice(4)} ${f(v / N)}`).join(', ')}`);
  console.log(`          (the local event source long-polls as Lambda's does; on AWS idle polling is billed too, about ${PRICES.sqsIdlePollsPerQueueMonth.toLocaleString('en-US')} requests a month per queue)`);
  console.log(`Lambda    API ${per.apiRequests} invocations (POST median ${f(median(posts.map((p) => p.ms)), 1)} ms, GET median ${f(median(gets), 1)} ms as the client saw them: an upper bound of billed time)`);
  console.log(`          queue-triggered ${f(per.queueInvocations)} invocations, ${f(per.queueMs, 1)} ms in handlers per certificate (${pools.filter((p) => p.invocations).map((p) => `${p.key} ${p.invocations}`).join(', ')}); ${memoryMb} MB each`);
  console.log(`OpenStack the worker's Keystone calls ${f(per.keystoneCalls, 3)}, Barbican calls ${f(per.barbicanCalls, 3)} per certificate (its service token and the CA key are cached)`);

  console.log(`\nprices: AWS list prices, us-east-1, as of ${PRICES_AS_OF} (check the current pages before relying on them)`);
  for (const p of PRICES.table) console.log(`  ${p.item.padEnd(44)} ${p.price}`);
  const cost = costPerMillion(per);
  console.log(`\ncost per million certificates: ${cost.lines.map((l) => `${l.item} $${f(l.usd)}`).join(', ')}`);
  console.log(`total $${f(cost.totalUsd)} per million (goal < $1; AWS Private CA lists $0.75 per certificate, about $750,000 per million, its short-lived mode about $60,000)`);

  console.log(`\n== scale on paper, from these counts`);
  const top = [...counts.partitionWrites].sort((a, b) => b[1] - a[1]).slice(0, 4);
  const timeOrdered = TIME_ORDERED_KINDS.reduce((a, k) => a + (counts.kindWrites.get(k)?.units ?? 0), 0) / N;
  for (const line of scaleOnPaper(per, top.map(([k, v]) => ({ partition: k, writeUnitsPerCert: v / N })), timeOrdered)) console.log(line);
} catch (e) {
  console.error(`cost bench: ${(e as Error).stack}`);
  exit = 1;
} finally {
  tmp.cleanup();
  await stack.stop();
}
process.exit(exit);

function snapshotProxies(since?: Record<string, number>): Record<string, number> {
  const now = Object.fromEntries(Object.entries(stack.faults?.proxies ?? {}).map(([k, p]) => [k, p.counts.passed + p.counts.errors + p.counts.resets]));
  return since ? Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (since[k] ?? 0)])) : now;
}

function functionMemoryMb(): number {
  const doc = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { provider: { memorySize?: number } };
  return Number(doc.provider.memorySize ?? 1024);
}
