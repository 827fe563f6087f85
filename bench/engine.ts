/** Part 1 of `npm run bench`: certificates built and signed per second on one core. */
import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { caPlan, issue, leafPlan, prelint, tbsFor, verifyIssued, type CertificatePlan, type Issuer } from '../lib/ca/index.js';
import { nativeDriver } from '../lib/drivers/index.js';
import { decideIssuance } from '../lib/ra/index.js';
import { assembleCertificate, assertLintClean, lintCertificate, newSerial, parseCsr, signatureAlgorithmFor, subjectKeyIdentifier, type KeyType } from '../lib/x509/index.js';

export interface EngineRate {
  /** Certificates per second of wall-clock time. */
  perSecond: number;
  /**
   * The goal's engine figure: build the TBS, sign, assemble (issue()'s own tbsFor, driver.sign,
   * assembleCertificate), per CPU-second; the checks around it are timed apart in `checksUs`.
   */
  buildSignPerCpuSecond: number;
  /** Microseconds per certificate of each of issue()'s steps, measured one by one. */
  stepsUs: { build: number; sign: number; assemble: number; prelint: number; verify: number; lint: number };
  /**
   * Certificates per CPU-second of this process (user + system, all its threads): the one-core
   * figure, unaffected by whatever else the machine runs. `openssl speed` divides by CPU time too.
   */
  perCpuSecond: number;
}

/**
 * Leaves per second through the worker's own signing path, `lib/ca` `issue()`, for one CSR: the
 * RA's decision made once (it is per request, not per signature), then per certificate a fresh
 * serial, the TBS, the pre-lint signed by the throwaway key, the real signature, the issued =
 * decided check and the lint of the result. As fast as one thread goes.
 */
export async function engineRate(keyType: KeyType, privateKey: KeyObject, csrPem: string, seconds: number): Promise<EngineRate> {
  const csr = parseCsr(csrPem);
  const now = new Date();
  const caKey = { location: 'memory' as const, keyType, label: 'bench', privateKey, publicKey: createPublicKey(privateKey) };
  const caSpki = caKey.publicKey.export({ type: 'spki', format: 'der' });
  const rootPlan = caPlan({ subject: { CN: 'Bench CA' }, validityDays: 30, keyType }, caSpki, 'root', now);
  const self: Issuer = { nameDer: rootPlan.subjectDer, keyType, key: caKey, subjectKeyId: subjectKeyIdentifier(caSpki) };
  const root = await issue(rootPlan, self, nativeDriver, now);
  const issuer: Issuer = { ...self, certificate: new X509Certificate(root.der) };
  const decision = decideIssuance({ id: 'bench', status: 'active', notAfter: new Date(now.getTime() + 20 * 86_400_000).toISOString() }, { csr, sans: ['bench.example.org'], profile: 'default', ttlSeconds: 86400 }, now);
  const plan = leafPlan(decision, csr.spkiDer);
  const one = () => issue(plan, issuer, nativeDriver, now);
  // Warm-up: let the JIT settle before the clock starts.
  const warm = performance.now() + 200;
  while (performance.now() < warm) await one();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    await one();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / wall, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), ...(await steps(plan, issuer, now, seconds)) };
}

/** issue()'s steps one by one, in its order, on its own functions: where a certificate's time goes. */
async function steps(plan: CertificatePlan, issuer: Issuer, now: Date, seconds: number): Promise<Pick<EngineRate, 'buildSignPerCpuSecond' | 'stepsUs'>> {
  const algorithm = signatureAlgorithmFor(issuer.keyType);
  const t = { build: 0, sign: 0, assemble: 0, prelint: 0, verify: 0, lint: 0 };
  let n = 0;
  let coreCpuUs = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const c0 = process.cpuUsage();
    let a = performance.now();
    const tbs = tbsFor(plan, issuer, newSerial());
    let b = performance.now();
    t.build += b - a;
    a = b;
    const signature = await nativeDriver.sign(tbs, algorithm, issuer.key);
    b = performance.now();
    t.sign += b - a;
    a = b;
    const der = assembleCertificate(tbs, algorithm, signature);
    b = performance.now();
    t.assemble += b - a;
    const c = process.cpuUsage(c0);
    coreCpuUs += c.user + c.system;
    a = performance.now();
    await prelint(tbs, algorithm, issuer.keyType, plan.kind, now);
    b = performance.now();
    t.prelint += b - a;
    a = b;
    verifyIssued(der, plan, issuer);
    b = performance.now();
    t.verify += b - a;
    a = b;
    assertLintClean(lintCertificate(der, { kind: plan.kind, issuerDer: issuer.certificate?.raw, now }));
    t.lint += performance.now() - a;
    n++;
  }
  const us = (ms: number) => (ms * 1000) / n;
  return { buildSignPerCpuSecond: n / (coreCpuUs / 1e6), stepsUs: { build: us(t.build), sign: us(t.sign), assemble: us(t.assemble), prelint: us(t.prelint), verify: us(t.verify), lint: us(t.lint) } };
}

/** `openssl speed` signs per second on one core; it divides by its user CPU time, not wall time. */
export function opensslSpeed(alg: 'rsa2048' | 'ecdsap256', seconds = 3): number {
  const out = execFileSync('openssl', ['speed', '-seconds', String(seconds), alg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = alg === 'rsa2048' ? /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out) : /256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected \`openssl speed ${alg}\` output:\n${out}`);
  return Number(m[1]);
}
