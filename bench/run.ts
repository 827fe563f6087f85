/**
 * `npm run bench`: figures, not pass/fail.
 *  1. the signing engine alone (build + sign a leaf) against `openssl speed` on the same keys;
 *  2. latency of POST /v1/cas/{id}/certificates until the job is `succeeded`, through the whole
 *     local pipeline (HTTP → SQS emulator → worker → store), median of 100 per CA key type.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { api, keystoneToken, createActiveCa, waitForJob } from '../test/support/api.js';
import { makeCsr, tempDir } from '../test/support/openssl.js';
import { buildTbsCertificate, assembleCertificate, encodeName, newSerial, parseCsr, parseSans, signatureAlgorithmFor, subjectKeyIdentifier, type KeyType } from '../lib/x509/index.js';
import { startStack } from '../scripts/stack.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../scripts/stack.js';


const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

function engineRate(keyType: KeyType, privateKey: KeyObject, csrPem: string, seconds: number): number {
  const csr = parseCsr(csrPem);
  const alg = signatureAlgorithmFor(keyType);
  const issuer = encodeName({ CN: 'Bench CA' });
  const aki = subjectKeyIdentifier(csr.spkiDer);
  const sans = parseSans(['bench.example.org']);
  let n = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: issuer, subjectDer: csr.subjectDer, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000), spkiDer: csr.spkiDer, profile: 'leaf', subjectKeyType: csr.keyType, authorityKeyId: aki, sans });
    assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey));
    n++;
  }
  return n / seconds;
}

function opensslSpeed(): { rsa2048: number; ecdsap256: number } {
  const out = execFileSync('openssl', ['speed', '-seconds', '3', 'rsa2048', 'ecdsap256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const rsa = /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out);
  const ec = /256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out);
  return { rsa2048: Number(rsa?.[1]), ecdsap256: Number(ec?.[1]) };
}

const tmp = tempDir();
console.log('== signing engine, one core');
const speed = opensslSpeed();
for (const [keyType, gen, ref] of [
  ['RSA-2048', () => generateKeyPairSync('rsa', { modulusLength: 2048 }), speed.rsa2048],
  ['EC-P256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), speed.ecdsap256],
] as const) {
  const rate = engineRate(keyType, gen().privateKey, makeCsr(tmp.dir, 'ec256', 'bench').csr, 3);
  console.log(`${keyType.padEnd(9)} engine ${rate.toFixed(0).padStart(6)} certificates/s   openssl speed ${ref.toFixed(0).padStart(6)} signs/s   ratio ${(rate / ref).toFixed(2)}`);
}

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
  tmp.cleanup();
}
