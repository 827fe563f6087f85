/**
 * `npm run fuzz`: seeded mutated CSRs, JSON bodies (every route of the API document) and ACME JWSs
 * against the local stack (scripts/with-stack.ts starts it). Every answer must be a 2xx or a 4xx
 * with a stable code in the route's error shape: never a 5xx, a hang, a dropped connection or
 * another shape. Then the accepted jobs are followed to their end (a failure must say why with a
 * listed code), and a normal issuance must still succeed. Exits non-zero on any finding.
 *   FUZZ_SEED (20261201) FUZZ_CSRS (10000) FUZZ_BODIES (10000) FUZZ_JWS (2000)
 *   FUZZ_CONCURRENCY (16) FUZZ_TIMEOUT_MS (30000) FUZZ_CASE (e.g. csr:123: only that case)
 */
import { freshNonce } from '../test/support/acmeJws.js';
import { tempDir } from '../test/support/openssl.js';
import { prng, type Rng } from '../test/support/prng.js';
import { ACME_NAME, acmeFixtures, finalizeRequest, JwsCases } from './acme.js';
import { BodyCases } from './bodies.js';
import { makeBases, mutateCsr } from './csrs.js';
import { followJobs, normalIssuance, type JobRef } from './after.js';
import { printFindings, printSummary, Tally } from './report.js';
import { runPool, type FuzzRequest, type Sent } from './send.js';
import { setUp } from './setup.js';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, not ${process.env[name]}`);
  return v;
};
const SEED = num('FUZZ_SEED', 20261201);
const COUNTS = { csr: num('FUZZ_CSRS', 10_000), body: num('FUZZ_BODIES', 10_000), jws: num('FUZZ_JWS', 2_000) };
const CONCURRENCY = Math.max(1, num('FUZZ_CONCURRENCY', 16));
const TIMEOUT_MS = num('FUZZ_TIMEOUT_MS', 30_000);
const ONLY = /^(csr|body|jws):(\d+)$/.exec(process.env.FUZZ_CASE ?? '');
const CATEGORIES = ['csr', 'body', 'jws'] as const;
type Category = (typeof CATEGORIES)[number];

/** Each case draws from its own generator: case i of a category is the same whatever ran before it. */
const caseRng = (category: Category, i: number): Rng => prng(Math.imul(SEED ^ (CATEGORIES.indexOf(category) + 1) * 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(i + 1, 0x9e3779b1));

const started = Date.now();
const tmp = tempDir();
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:13000';
let failed = false;
try {
  const stage = (what: string) => console.error(`fuzz: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const fx = await setUp(tmp);
  stage('fixtures ready');
  const eab = await fx.eab();
  const acme = await acmeFixtures(eab.directory_url, fx.eab, 4).catch((e: Error) => {
    throw new Error(`ACME fixtures: ${e.message}`, { cause: e });
  });
  stage('ACME account and ready orders ready');
  const bases = makeBases(tmp.dir, ACME_NAME);
  console.error(`fuzz: seed ${SEED}, ${COUNTS.csr} CSRs, ${COUNTS.body} bodies, ${COUNTS.jws} JWSs, ${CONCURRENCY} in flight; set up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const nonces: string[] = [];
  const nonce = async () => nonces.pop() ?? freshNonce(`${acme.base}/new-nonce`);
  const jobs: JobRef[] = [];
  const bodies = new BodyCases(fx.body);
  const jwsCases = new JwsCases(acme, nonce);

  const csrCase = async (rand: Rng): Promise<FuzzRequest> => {
    const m = mutateCsr(rand, bases);
    const r = rand();
    if (r < 0.7) {
      const body = { csr: m.pem, ...(rand.chance(0.5) ? { sans: [`DNS:${ACME_NAME}`] } : {}) };
      return { category: 'csr', label: `POST /v1/cas/{id}/certificates: ${m.what}`, kind: 'json', method: 'POST', path: `/v1/cas/${fx.csrCaId}/certificates`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), token: 'csr' };
    }
    if (r < 0.85) {
      const e = rand.pick(fx.redeem);
      return { category: 'csr', label: `POST /v1/enrollments/{id}/redeem: ${m.what}`, kind: 'json', method: 'POST', path: `/v1/enrollments/${e.id}/redeem`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ one_time_password: e.otp, csr: m.pem }), token: 'none' };
    }
    return finalizeRequest(acme, rand, m.der, m.pem, await nonce(), m.what);
  };
  const makers: Record<Category, (rand: Rng) => Promise<FuzzRequest> | FuzzRequest> = { csr: csrCase, body: (rand) => bodies.make(rand), jws: (rand) => jwsCases.make(rand) };

  const tallies: Tally[] = [];
  const opts = { apiUrl, tokens: fx.tokens, timeoutMs: TIMEOUT_MS };
  for (const category of CATEGORIES) {
    if (ONLY && ONLY[1] !== category) continue;
    const tally = new Tally(category);
    const count = ONLY ? 1 : COUNTS[category];
    const index = (i: number) => (ONLY ? Number(ONLY[2]) : i);
    const onSent = (s: Sent, i: number) => {
      tally.add(s, index(i));
      // Findings as they come (the first few), so a long run shows them before its end.
      if (!s.verdict.ok && tally.failed <= 5) console.error(`  !! ${category} case #${index(i)}: ${s.verdict.finding} — ${s.request.label}: ${s.verdict.detail.slice(0, 200)}`);
      if (s.nonce) nonces.push(s.nonce);
      // A finalized order (or one another request finalized first) is spent for the CSR fuzz.
      if (category === 'csr' && s.request.path.endsWith('/finalize') && (s.status === 200 || (s.verdict.ok && s.verdict.outcome === 'refused' && s.verdict.code === 'acme:orderNotReady'))) acme.orders.spent(s.request.path);
      const job = (s.json as { job?: { id?: unknown } } | undefined)?.job?.id;
      // A project's jobs (a login CA's are the system's, followed through the login CA instead).
      if (s.status === 202 && typeof job === 'string' && (s.request.token === 'admin' || s.request.token === 'csr')) jobs.push({ id: job, token: fx.tokens[s.request.token] });
      if (tally.sent % 1000 === 0) console.error(`  ${category}: ${tally.sent}/${count}, ${tally.failed} findings`);
    };
    await runPool(count, CONCURRENCY, (i) => makers[category](caseRng(category, index(i))), onSent, opts);
    tally.done();
    tallies.push(tally);
  }
  await acme.stop();
  if (ONLY) for (const t of tallies) for (const e of t.examples) console.log(JSON.stringify(e.sent.request, null, 2));

  printSummary(tallies, SEED);
  printFindings(tallies, SEED);
  const after = await followJobs(jobs, CONCURRENCY);
  console.log(`\njobs of the accepted requests: ${after.summary}`);
  const normal = await normalIssuance(tmp, fx.csrCaId, fx.tokens.csr);
  console.log(`normal issuance afterwards: ${normal}`);
  const total = tallies.reduce((n, t) => n + t.sent, 0);
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: ${total} requests in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(1)} requests/s overall, setup and the end's checks included)`);
  failed = tallies.some((t) => t.failed > 0) || after.problems > 0 || normal !== 'ok';
} catch (e) {
  console.error(`fuzz: ${(e as Error).stack ?? e}`);
  failed = true;
} finally {
  tmp.cleanup();
}
process.exit(failed ? 1 : 0);
