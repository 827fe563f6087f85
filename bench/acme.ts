/**
 * `npm run bench` (part 4): lego issuing certificates over ACME (http-01, one fresh name each, in
 * sequence) against our local stack and against Debian's Pebble (PEBBLE_VA_NOSLEEP=1), in the same
 * run, as seconds per certificate and their ratio. Pebble is an in-memory test server; ours goes
 * through the ACME function, the validator's queue, the jobs queue, the worker and the store.
 * BENCH_ACME=0 skips it; BENCH_ACME_CERTS sets how many (default 10).
 */
import { join } from 'node:path';
import { ROOT, startStack } from '../scripts/stack.js';
import { api, createActiveCa, keystoneToken } from '../test/support/api.js';
import { startChallTestSrv, startPebble } from '../test/support/acmeClients.js';
import { TLSALPN01_PORT } from '../test/support/acmeRunners.js';
import { legoSecondsPerCertificate } from './acmePebble.js';

if (process.env.BENCH_ACME === '0') process.exit(0);
const N = Number(process.env.BENCH_ACME_CERTS ?? 10);
const ROUNDS = 2;

// The validator as the tests run it: challtestsrv answers DNS, lego serves http-01 on 5002.
Object.assign(process.env, { ACME_DNS_RESOLVER: '127.0.0.1:8053', ACME_HTTP01_PORT: '5002', ACME_TLSALPN01_PORT: '5003', ACME_ALLOW_LOOPBACK: '1' });
const chall = await startChallTestSrv();
const stack = await startStack({ apiPort: 23300, lambdaPort: 23302, dynamoPort: 24767, sqsPort: 29524, devKeystonePort: 0, devBarbicanPort: 0, logFile: join(ROOT, '.local', 'offline-bench-acme.log') });
const pebble = await startPebble({ eabRequired: true, httpPort: 5002, tlsPort: TLSALPN01_PORT, dnsServer: chall.dnsAddress });
try {
  process.env.API_URL = stack.apiUrl;
  process.env.OS_AUTH_URL = stack.authUrl;
  const admin = await keystoneToken('admin', 'secret', 'tenant-a');
  const ca = await createActiveCa(admin, { subject: { CN: 'Bench ACME Root' }, key_type: 'EC-P256', validity_days: 365 });
  console.log(`\n== ACME: lego http-01, ${N} certificates in sequence (fresh names; the first, untimed, registers the account), medians of ${ROUNDS} interleaved rounds`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const minted = await api('POST', `/v1/cas/${ca.id}/acme/eab-keys`, { token: admin, body: {} });
    const eab = { kid: minted.body.eab_key.kid as string, hmacKey: minted.body.eab_key.hmac_key as string };
    ours.push(await legoSecondsPerCertificate(minted.body.eab_key.directory_url, N, { eab }));
    theirs.push(await legoSecondsPerCertificate(pebble.directory, N, { eab: pebble.eabKeys[round] ?? pebble.eab, caBundle: pebble.caBundle }));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [o, p] = [median(ours), median(theirs)];
  console.log(`ours    ${o.toFixed(2)} s per certificate   (rounds: ${ours.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`pebble  ${p.toFixed(2)} s per certificate   (rounds: ${theirs.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`ratio   ${(o / p).toFixed(2)} × Pebble's time per certificate (goal ≤ 3)`);
} finally {
  await pebble.stop();
  await stack.stop();
  await chall.stop();
}
process.exit(0);
