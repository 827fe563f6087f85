/**
 * `npm run soak`: N jobs (SOAK_JOBS, default 1,000) of mixed kinds and tenants through the local
 * stack while faults are injected: the worker's Keystone and Barbican answer 5xx, slowly or reset,
 * its DynamoDB throttles and stalls, every job message is delivered one to three times, and busy
 * worker processes are killed at random. It prints what became of every job and exits non-zero on
 * any lost job, duplicate certificate, revocation missing from its CRL or orphaned Barbican secret.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_FIXTURES } from '../../dev/fixtures.js';
import { makeCsr, tempDir } from '../../test/support/openssl.js';
import { prng } from '../../test/support/prng.js';
import { ROOT, startStack } from '../stack.js';
import { clearFaults, injectFaults, startKiller } from './chaos.js';
import { deadLetters, missingFromCrls, queueDepth, duplicates, jobEnd, orphanedSecrets, storeStrings, type JobEnd } from './audit.js';
import { client, pickKind, submit, type Refused, type Submitted, type Tenant } from './mix.js';

const JOBS = Number(process.env.SOAK_JOBS ?? 1000);
const SEED = Number(process.env.SOAK_SEED ?? 20261201);
const IN_FLIGHT = Number(process.env.SOAK_IN_FLIGHT ?? 8);
const SETTLE_MS = Number(process.env.SOAK_SETTLE_SECONDS ?? 300) * 1000;
const random = prng(SEED);
const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] : NaN);

async function token(authUrl: string, user: string, password: string, project: string): Promise<string> {
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: project, domain: { id: 'default' } } } } }),
  });
  if (res.status !== 201) throw new Error(`login of ${user} failed: ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

mkdirSync(join(ROOT, '.local'), { recursive: true });
// Its own build folder: the soak may run beside the test stack, which builds into .esbuild.
process.env.ESBUILD_WORK_FOLDER ??= '.esbuild-soak';
// Made before the stack starts: openssl runs synchronously, and this process hosts the dev
// Keystone, Barbican, dynalite and the SQS emulator.
const tmp = tempDir();
const csrs = ['ec256', 'rsa2048', 'ed25519', 'ec384'].map((k, i) => makeCsr(tmp.dir, k as 'ec256', `soak-${i}.example.org`).csr);
const started = Date.now();
const stack = await startStack({
  apiPort: 28000, lambdaPort: 28002, dynamoPort: 28567, sqsPort: 28324, devKeystonePort: 0, devBarbicanPort: 0,
  logFile: join(ROOT, '.local', 'offline-soak.log'),
  faultProxies: true,
  random,
  // Short but in AWS's order: timeout < claim lease < visibility, so a killed delivery's job is
  // taken over within half a minute rather than six.
  jobsVisibilitySeconds: 20,
  queues: {
    timeoutOverrides: { worker: 10 },
    envOverrides: { worker: { CLAIM_LEASE_SECONDS: '15', JOB_RETRY_BASE_SECONDS: '1' } },
    // Every job message is delivered one to three times.
    faults: { extraCopies: () => Math.floor(random() * 3) },
  },
});
const call = client(stack.apiUrl);
let exit = 1;
try {
  console.log(`soak: ${JOBS} jobs, seed ${SEED}, ${IN_FLIGHT} requests in flight; stack up in ${((Date.now() - started) / 1000).toFixed(0)} s (log: .local/offline-soak.log)`);
  const tenants: Tenant[] = [
    { project: 'tenant-a', admin: await token(stack.authUrl, 'admin', 'secret', 'tenant-a'), member: await token(stack.authUrl, 'alice', 'apass', 'tenant-a'), cas: [], issued: [] },
    { project: 'admin', admin: await token(stack.authUrl, 'admin', 'secret', 'admin'), member: await token(stack.authUrl, 'admin', 'secret', 'admin'), cas: [], issued: [] },
  ];
  const submitted: Submitted[] = [];
  const refused: Refused[] = [];
  injectFaults(stack);
  const killer = startKiller(stack, Number(process.env.SOAK_KILL_EVERY_SECONDS ?? 10) * 1000, random);

  // CAs first: their creation is part of the soak (two per tenant), certificates need them active.
  for (const t of tenants) {
    for (let i = 0; i < 2; i++) {
      let r = await submit(call, t, 'ca.create', submitted.length, csrs, random);
      // A client retries a 503 (Retry-After); the soak's CAs must exist.
      for (let tries = 0; !('jobId' in r) && r.status === 503 && tries < 10; tries++) {
        await new Promise((ok) => setTimeout(ok, 1000));
        r = await submit(call, t, 'ca.create', submitted.length, csrs, random);
      }
      if ('jobId' in r) submitted.push(r);
      else refused.push(r);
    }
  }
  for (const job of submitted) {
    const end = await waitFinal(job, Date.now() + SETTLE_MS);
    const t = tenants.find((x) => x.project === job.project)!;
    if (end.status === 'succeeded') t.cas.push((await call('GET', `/v1/jobs/${job.jobId}`, job.token)).body.job.links.find((l: { rel: string }) => l.rel === 'result').href.split('/').pop());
  }
  if (tenants.some((t) => t.cas.length === 0)) throw new Error('no CA became active: the soak cannot go on');

  let n = submitted.length;
  let watching = 0;
  const requested = new Map<string, { project: string; count: number }>();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (n < JOBS) {
        const i = n++;
        const t = tenants[i % tenants.length];
        const r = await submit(call, t, pickKind(random, t), i, csrs, random);
        if (!('jobId' in r)) refused.push(r);
        else {
          submitted.push(r);
          if (r.kind !== 'certificate.revoke' && r.caId) {
            requested.set(r.caId, { project: t.project, count: (requested.get(r.caId)?.count ?? 0) + 1 });
            // Revocable once issued: a few are watched beside the submissions (polls cost the API).
            if (watching < 6) {
              watching++;
              void waitFinal(r, Date.now() + SETTLE_MS, 1000)
                .then((end) => end.status === 'succeeded' && t.issued.push({ id: r.certificateId!, caId: r.caId! }))
                .catch(() => undefined)
                .finally(() => watching--);
            }
          }
        }
      }
    }),
  );
  const submittedAt = Date.now();
  console.log(`submitted ${submitted.length} jobs in ${((submittedAt - started) / 1000).toFixed(0)} s; waiting for them to settle`);

  // Settled: every job finished, or nothing left in the jobs queue (visible or in flight) twice in
  // a row, or SOAK_SETTLE_SECONDS passed. A job open after that, and not dead-lettered, is lost.
  let ends: JobEnd[] = [];
  for (let quiet = 0; quiet < 2 && Date.now() < submittedAt + SETTLE_MS; ) {
    await new Promise((r) => setTimeout(r, 3000));
    ends = await readEnds(submitted);
    const open = ends.filter((e) => e.status !== 'succeeded' && e.status !== 'failed').length;
    quiet = open === 0 ? 2 : (await queueDepth(stack.env.AWS_ENDPOINT_URL_SQS, stack.queueUrl)) === 0 ? quiet + 1 : 0;
  }
  killer.stop();
  clearFaults(stack);

  const dead = await deadLetters(stack.env.AWS_ENDPOINT_URL_SQS, `${stack.queueUrl}-dlq`);
  const succeeded = ends.filter((e) => e.status === 'succeeded');
  const failed = ends.filter((e) => e.status === 'failed');
  const open = ends.filter((e) => e.status !== 'succeeded' && e.status !== 'failed');
  const inDlq = open.filter((e) => dead.has(e.job.jobId));
  const lost = open.filter((e) => !dead.has(e.job.jobId));
  const dup = await duplicates(call, (p) => tenants.find((t) => t.project === p)!.member, requested);

  // Every revocation the API accepted is on its CA's CRL once the worker has re-signed it.
  const revoked = [];
  for (const s of submitted.filter((x) => x.kind === 'certificate.revoke')) {
    revoked.push({ project: DEV_FIXTURES.projects[s.project as 'tenant-a'].id, caId: s.caId!, serial: String((await call('GET', `/v1/certificates/${s.certificateId}`, s.token)).body.certificate.serial) });
  }
  const missingFromCrl = await missingFromCrls(stack.apiUrl, revoked, 90_000);
  const worker = await token(stack.authUrl, 'caworker', 'cwpass', 'service');
  const barbican = stack.faults?.proxies.barbican?.target;
  const orphans = barbican ? await orphanedSecrets(barbican, worker, await storeStrings(stack.env.AWS_ENDPOINT_URL_DYNAMODB, 'openstack-ca-local')) : [];

  const ms = succeeded.map((e) => e.ms!).filter((x) => Number.isFinite(x));
  const pool = stack.queues.pool('worker')!;
  const source = stack.queues.sources.find((s) => s.trigger.functionKey === 'worker')!;
  const faults = Object.entries(stack.faults?.proxies ?? {}).map(([k, p]) => `${k} ${p.counts.errors} errors, ${p.counts.resets} resets, ${p.counts.delayed} delayed of ${p.counts.passed + p.counts.errors + p.counts.resets}`);
  const reasons = new Map<string, number>();
  for (const e of failed) {
    const reason = `${e.job.kind}: ${(e.reason ?? '').replace(/[0-9a-f-]{36}/g, '<id>').replace(/serial [0-9a-f]+/g, 'serial <serial>').slice(0, 160)}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  console.log(`
jobs submitted            ${submitted.length} (${[...new Set(submitted.map((s) => s.kind))].map((k) => `${k} ${submitted.filter((s) => s.kind === k).length}`).join(', ')})
refused at the API        ${refused.length}${refused.length ? ` (${[...new Set(refused.map((r) => `${r.kind} ${r.status} ${r.code}`))].join('; ')})` : ''}
succeeded                 ${succeeded.length}
failed                    ${failed.length}${[...reasons].map(([r, c]) => `\n  ${c} × ${r}`).join('')}
in the dead-letter queue  ${inDlq.length}
LOST                      ${lost.length}${lost.slice(0, 10).map((e) => `\n  ${e.job.kind} job ${e.job.jobId}: ${e.status}`).join('')}
DUPLICATE certificates    ${dup.extraRecords + dup.sharedSerials} (${dup.extraRecords} extra records, ${dup.sharedSerials} shared serials)
revocations not on CRL    ${missingFromCrl}
ORPHANED Barbican secrets ${orphans.length}
completion p50 / p99      ${quantile(ms, 0.5).toFixed(0)} ms / ${quantile(ms, 0.99).toFixed(0)} ms (job created → finished)
worker                    ${pool.stats.invocations} invocations, ${pool.stats.killed} killed, ${pool.stats.timeouts} timed out, ${pool.stats.coldStarts} cold starts; ${source.stats.copies} extra deliveries, ${source.stats.returned} messages returned to the queue
faults                    ${faults.join('; ')}
time                      ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const bad = lost.length + dup.extraRecords + dup.sharedSerials + missingFromCrl + orphans.length;
  exit = bad === 0 ? 0 : 1;
  console.log(exit === 0 ? 'soak: OK (0 lost, 0 duplicates, 0 orphans)' : `soak: FAILED (seed ${SEED})`);
} catch (e) {
  console.error(`soak: ${(e as Error).stack}${(e as Error).cause ? `\ncause: ${String((e as Error).cause)}` : ''}`);
} finally {
  tmp.cleanup();
  await stack.stop();
}
process.exit(exit);

/** Every job's state, IN_FLIGHT reads at a time (a burst of reads would time the API out), each retried. */
async function readEnds(jobs: Submitted[]): Promise<JobEnd[]> {
  const out: JobEnd[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) {
        const i = next++;
        for (let tries = 0; tries < 5; tries++) {
          out[i] = await jobEnd(call, jobs[i]).catch((e: Error) => ({ job: jobs[i], status: `GET failed: ${e.message}` }));
          if (!out[i].status.startsWith('GET')) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }),
  );
  return out;
}

async function waitFinal(job: Submitted, until: number, pollMs = 250): Promise<JobEnd> {
  for (;;) {
    const end = await jobEnd(call, job).catch((e: Error) => ({ job, status: `GET failed: ${e.message}` }) as JobEnd);
    if (end.status === 'succeeded' || end.status === 'failed' || Date.now() > until) return end;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
