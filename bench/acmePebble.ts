/**
 * lego's seconds per certificate (http-01, one fresh name per certificate, in sequence) against an
 * ACME directory: Pebble as the anchor, our server the same way in the same run.
 *
 * Against Pebble (the `main` below: `node --import tsx bench/acmePebble.ts [n]`):
 *
 *   const chall = await startChallTestSrv();
 *   const pebble = await startPebble({ eabRequired: true, httpPort: 5002, tlsPort: 5001, dnsServer: chall.dnsAddress });
 *   const s = await legoSecondsPerCertificate(pebble.directory, 10, { eab: pebble.eab, caBundle: pebble.caBundle });
 *   await pebble.stop(); await chall.stop();
 *
 * Against ours: legoSecondsPerCertificate(ourDirectoryUrl, 10, { eab: mintedEab }) with the validator's
 * http-01 port knob at 5002 and its resolver at challtestsrv (127.0.0.1:8053).
 *
 * lego 4.9 polls an authorization at the challenge answer's Retry-After, 5 s without one (then
 * backs off): against a server that sends none, that poll dominates the figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChallTestSrv, startPebble, type Eab } from '../test/support/acmeClients.js';
import { legoRun } from '../test/support/acmeRunners.js';

export interface LegoBenchOpts {
  eab?: Eab;
  /** PEM file trusted for an https directory */
  caBundle?: string;
  /** names are `<random>-<i>.<domainSuffix>`, resolved to 127.0.0.1 by challtestsrv; default acme.test */
  domainSuffix?: string;
  /** one untimed issuance first, which also registers the account (default true) */
  warmup?: boolean;
}

export async function legoSecondsPerCertificate(directory: string, n: number, opts: LegoBenchOpts = {}): Promise<number> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, not ${n}`);
  const workDir = await mkdtemp(join(tmpdir(), 'bench-lego-'));
  const run = Math.random().toString(36).slice(2, 8);
  const name = (i: number | string) => `b${run}-${i}.${opts.domainSuffix ?? 'acme.test'}`;
  const issue = (domain: string) =>
    legoRun({ directory, workDir, eab: opts.eab, caBundle: opts.caBundle, domains: [domain], challenge: 'http-01' });
  try {
    if (opts.warmup ?? true) await issue(name('warmup'));
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await issue(name(i));
    return Number(process.hrtime.bigint() - start) / 1e9 / n;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? '5');
  const chall = await startChallTestSrv();
  try {
    const pebble = await startPebble({ eabRequired: true, httpPort: 5002, tlsPort: 5001, dnsServer: chall.dnsAddress });
    try {
      const s = await legoSecondsPerCertificate(pebble.directory, n, { eab: pebble.eab, caBundle: pebble.caBundle });
      console.log(`lego http-01 against Pebble (PEBBLE_VA_NOSLEEP=1): ${s.toFixed(2)} s per certificate (n=${n})`);
    } finally {
      await pebble.stop();
    }
  } finally {
    await chall.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
