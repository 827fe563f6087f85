/** Part 1 of `npm run bench`: certificates built and signed per second on one core. */
import { execFileSync } from 'node:child_process';
import { sign, type KeyObject } from 'node:crypto';
import { assembleCertificate, buildTbsCertificate, newSerial, prepareIssuer } from '../lib/x509/certificate.js';
import { encodeName, parseCsr, parseSans, signatureAlgorithmFor, subjectKeyIdentifier, type KeyType } from '../lib/x509/index.js';

export interface EngineRate {
  /** Certificates per second of wall-clock time. */
  perSecond: number;
  /**
   * Certificates per CPU-second of this process (user + system, all its threads): the one-core
   * figure, unaffected by whatever else the machine runs. `openssl speed` divides by CPU time too.
   */
  perCpuSecond: number;
}

/**
 * Build + sign + assemble a leaf for one CSR, as fast as one thread goes. `prepared` is the
 * issuing path (issuer name, AlgorithmIdentifier and AKI encoded once per CA, one Buffer per
 * TBSCertificate); otherwise every certificate is composed from scratch through the
 * `TbsInput` form, as lib/worker does today. Per certificate both pay for a fresh 128-bit
 * serial, the times, the subjectKeyIdentifier hash, the SAN encoding and crypto.sign.
 */
export function engineRate(keyType: KeyType, privateKey: KeyObject, csrPem: string, seconds: number, path: 'prepared' | 'composed' = 'prepared'): EngineRate {
  const csr = parseCsr(csrPem);
  const alg = signatureAlgorithmFor(keyType);
  const issuerDer = encodeName({ CN: 'Bench CA' });
  const authorityKeyId = subjectKeyIdentifier(csr.spkiDer);
  const sans = parseSans(['bench.example.org']);
  const issuer = prepareIssuer({ signatureAlgorithm: alg, issuerDer, authorityKeyId });
  const one =
    path === 'prepared'
      ? () => {
          const now = Date.now();
          const tbs = buildTbsCertificate({ issuer, serial: newSerial(), subjectDer: csr.subjectDer, notBefore: new Date(now), notAfter: new Date(now + 86_400_000), spkiDer: csr.spkiDer, profile: 'leaf', subjectKeyType: csr.keyType, sans });
          return assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey));
        }
      : () => {
          const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer, subjectDer: csr.subjectDer, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000), spkiDer: csr.spkiDer, profile: 'leaf', subjectKeyType: csr.keyType, authorityKeyId, sans });
          return assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey));
        };
  // Warm-up: let the JIT settle before the clock starts.
  const warm = performance.now() + 200;
  while (performance.now() < warm) one();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    one();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / wall, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6) };
}

/** `openssl speed` signs per second on one core; it divides by its user CPU time, not wall time. */
export function opensslSpeed(alg: 'rsa2048' | 'ecdsap256', seconds = 3): number {
  const out = execFileSync('openssl', ['speed', '-seconds', String(seconds), alg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = alg === 'rsa2048' ? /rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out) : /256 bits ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected \`openssl speed ${alg}\` output:\n${out}`);
  return Number(m[1]);
}
