import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real tools make the fixtures: keys and CSRs come from the openssl CLI, not from our code. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ca-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const openssl = (args: string[], input?: string) => execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

export type CsrKey = 'rsa2048' | 'rsa4096' | 'ec256' | 'ec384' | 'ed25519' | 'rsa1024';

const KEYGEN: Record<CsrKey, string[]> = {
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  rsa4096: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  rsa1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  ec256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ed25519: ['-algorithm', 'ED25519'],
};

/** A key and CSR made by `openssl req`, optionally with SANs in the request. */
export function makeCsr(dir: string, key: CsrKey, cn: string, sans: string[] = []): { csr: string; keyPath: string } {
  const keyPath = join(dir, `${key}-${Math.random().toString(36).slice(2)}.key`);
  openssl(['genpkey', ...KEYGEN[key], '-out', keyPath]);
  const args = ['req', '-new', '-key', keyPath, '-subj', `/CN=${cn}`];
  if (sans.length) args.push('-addext', `subjectAltName=${sans.join(',')}`);
  return { csr: openssl(args), keyPath };
}

/** `openssl verify` of a leaf against its CA; returns openssl's output (throws on failure). */
export function verifyChain(dir: string, caPem: string, leafPem: string): string {
  const ca = join(dir, 'ca.pem');
  const leaf = join(dir, 'leaf.pem');
  writeFileSync(ca, caPem);
  writeFileSync(leaf, leafPem);
  return openssl(['verify', '-x509_strict', '-CAfile', ca, leaf]);
}

export const x509Text = (pem: string) => openssl(['x509', '-noout', '-text'], pem);
