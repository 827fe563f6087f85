import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
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

export interface OpensslChain {
  rootPem: string;
  intermediatePem: string;
  leafPem: string;
  /** The leaf's private key, PEM; encrypted (AES-256, PKCS#8) when a passphrase is given. */
  leafKeyPem: string;
  otherKeyPem: string;
}

/** A root → intermediate → leaf chain made by the openssl CLI, as an external CA would. */
export function makeOpensslChain(dir: string, cn: string, passphrase?: string): OpensslChain {
  const p = (name: string) => join(dir, `${name}-${cn}`);
  const ext = p('ext.cnf');
  writeFileSync(ext, `[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${cn}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
  for (const k of ['root', 'int', 'leaf', 'other']) openssl(['genpkey', ...KEYGEN.ec256, '-out', p(`${k}.key`)]);
  openssl(['req', '-x509', '-new', '-key', p('root.key'), '-subj', `/CN=${cn} Root`, '-days', '30', '-out', p('root.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', '-key', p('int.key'), '-subj', `/CN=${cn} Intermediate`, '-out', p('int.csr')]);
  openssl(['x509', '-req', '-in', p('int.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-CAcreateserial', '-days', '20', '-extfile', ext, '-extensions', 'ca', '-out', p('int.pem')]);
  openssl(['req', '-new', '-key', p('leaf.key'), '-subj', `/CN=${cn}`, '-out', p('leaf.csr')]);
  openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('int.pem'), '-CAkey', p('int.key'), '-CAcreateserial', '-days', '10', '-extfile', ext, '-extensions', 'leaf', '-out', p('leaf.pem')]);
  const leafKeyPem = passphrase
    ? openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', p('leaf.key'), '-passout', `pass:${passphrase}`])
    : readFileSync(p('leaf.key'), 'utf8');
  return { rootPem: readFileSync(p('root.pem'), 'utf8'), intermediatePem: readFileSync(p('int.pem'), 'utf8'), leafPem: readFileSync(p('leaf.pem'), 'utf8'), leafKeyPem, otherKeyPem: readFileSync(p('other.key'), 'utf8') };
}

/** openssl's whole verdict, stdout and stderr, whether it exits 0 or not ("certificate revoked", "Response verify OK"). */
export function opensslVerdict(args: string[]): string {
  // A large CRL's text is many MB: more than spawnSync's default 1 MB buffer.
  const run = spawnSync('openssl', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return run.stdout + run.stderr;
}

/** The CRL distribution point and OCSP URL a certificate names. */
export function revocationUrlsOf(pem: string): { crl: string; ocsp: string } {
  const text = x509Text(pem);
  return { crl: /X509v3 CRL Distribution Points:[\s\S]*?URI:(\S+)/.exec(text)![1], ocsp: /OCSP - URI:(\S+)/.exec(text)![1] };
}
