import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CfsslError, createCfsslDriver } from '../../../lib/drivers/cfssl.js';
import { nativeDriver, type MemoryKeyHandle } from '../../../lib/drivers/index.js';
import { assembleCertificate, buildTbsCertificate, encodeName, newSerial, parseSans, signatureAlgorithmFor, subjectKeyIdentifier, toPem, type KeyType } from '../../../lib/x509/index.js';
import { makeCsr, tempDir, verifyChain, x509Text } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The directory cfssl's private temp dirs are made in: it must be empty after every call. */
const root = join(tmp.dir, 'root');
mkdirSync(root);
afterEach(() => expect(readdirSync(root)).toEqual([]));

const CFSSL = execFileSync('sh', ['-c', 'command -v cfssl'], { encoding: 'utf8' }).trim();

async function makeCa(keyType: KeyType) {
  const key = await nativeDriver.createKey(keyType, `cfssl-test-${keyType}`);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName({ CN: `cfssl ${keyType} CA` });
  const algorithm = signatureAlgorithmFor(keyType);
  const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: algorithm, issuerDer: name, subjectDer: name, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000 * 365), spkiDer, profile: 'ca', subjectKeyType: keyType, authorityKeyId: ski });
  const pem = toPem(assembleCertificate(tbs, algorithm, await nativeDriver.sign(tbs, algorithm, key)), 'CERTIFICATE');
  return { key, pem };
}

/** A stand-in cfssl that writes down what it saw (modes, environment; never file contents), then runs the real one. */
function spyBinary(then = `exec ${CFSSL} "$@"`): { path: string; log: string } {
  const path = join(tmp.dir, `spy-${Math.random().toString(36).slice(2)}.sh`);
  const log = `${path}.log`;
  writeFileSync(
    path,
    `#!/bin/sh
for a in "$@"; do case "$a" in */ca.pem) d=$(dirname "$a");; esac; done
{ echo "dir $d"; stat -c '%a %n' "$d" "$d"/*; echo "--- env"; env; } > ${log}
${then}
`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

const sans = parseSans(['DNS:svc.example.org', 'IP:2001:db8::1']);

describe('cfssl driver', () => {
  it('runs cfssl in a private dir (0700, files 0600) with an empty environment, and removes the dir', async () => {
    const ca = await makeCa('EC-P256');
    const spy = spyBinary();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'svc.example.org');
    process.env.PKCS11_PIN = 'pin-that-must-not-leak';
    try {
      const pem = await createCfsslDriver({ binary: spy.path, tmpRoot: root }).issue({ csrPem: csr, caCertPem: ca.pem, caKey: ca.key.privateKey, sans, expirySeconds: 3600 });
      expect(verifyChain(tmp.dir, ca.pem, pem)).toMatch(/OK/);
    } finally {
      delete process.env.PKCS11_PIN;
    }
    const log = readFileSync(spy.log, 'utf8');
    const dir = /^dir (.+)$/m.exec(log)![1];
    expect(dir.startsWith(`${root}/cfssl-`)).toBe(true);
    const modes = log.split('--- env')[0];
    expect(modes).toContain(`700 ${dir}\n`);
    for (const f of ['ca-key.pem', 'ca.pem', 'config.json', 'request.csr']) expect(modes).toContain(`600 ${dir}/${f}\n`);
    const env = log.split('--- env')[1];
    expect(env).toMatch(/^PATH=/m);
    expect(env).not.toContain('pin-that-must-not-leak');
    expect(env).not.toMatch(/^(PKCS11_|OS_|AWS_|SOFTHSM)/m);
    expect(existsSync(dir)).toBe(false);
  });

  it('removes the dir when cfssl refuses the CSR, and says why without the key', async () => {
    const ca = await makeCa('RSA-2048');
    const driver = createCfsslDriver({ tmpRoot: root });
    const bad = '-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgQ1NS\n-----END CERTIFICATE REQUEST-----\n';
    const error = await driver.issue({ csrPem: bad, caCertPem: ca.pem, caKey: ca.key, sans, expirySeconds: 3600 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(CfsslError);
    expect((error as Error).message).toMatch(/^cfssl sign failed: cfssl error \d+: /);
    expect((error as Error).message).not.toMatch(/PRIVATE KEY|BEGIN/);
    // Not a CSR at all.
    await expect(driver.issue({ csrPem: 'garbage', caCertPem: ca.pem, caKey: ca.key, sans, expirySeconds: 3600 })).rejects.toThrow(CfsslError);
  });

  it('removes the dir when cfssl cannot sign the CSR (Ed25519, unknown to cfssl 1.2.0)', async () => {
    const ca = await makeCa('EC-P256');
    const { csr } = makeCsr(tmp.dir, 'ed25519', 'ed.example.org');
    await expect(createCfsslDriver({ tmpRoot: root }).issue({ csrPem: csr, caCertPem: ca.pem, caKey: ca.key, sans, expirySeconds: 3600 })).rejects.toThrow(/algorithm unimplemented/);
  });

  it('removes the dir when cfssl is missing or hangs', async () => {
    const ca = await makeCa('EC-P256');
    const { csr } = makeCsr(tmp.dir, 'ec256', 'svc.example.org');
    const request = { csrPem: csr, caCertPem: ca.pem, caKey: ca.key, sans, expirySeconds: 3600 };
    await expect(createCfsslDriver({ binary: join(tmp.dir, 'no-such-cfssl'), tmpRoot: root }).issue(request)).rejects.toThrow(/cfssl not found/);
    const slow = spyBinary('exec sleep 10');
    await expect(createCfsslDriver({ binary: slow.path, tmpRoot: root, timeoutMs: 300 }).issue(request)).rejects.toThrow(/did not finish within 300 ms/);
  });

  it('refuses a CA key that is not the certificate\'s, a token key, and key types cfssl cannot use', async () => {
    const ca = await makeCa('EC-P256');
    const other = await makeCa('EC-P256');
    const { csr } = makeCsr(tmp.dir, 'ec256', 'svc.example.org');
    const driver = createCfsslDriver({ tmpRoot: root });
    await expect(driver.issue({ csrPem: csr, caCertPem: ca.pem, caKey: other.key, sans, expirySeconds: 3600 })).rejects.toThrow(/does not match/);
    await expect(driver.issue({ csrPem: csr, caCertPem: ca.pem, caKey: { location: 'token', label: 'x' } as unknown as MemoryKeyHandle, sans, expirySeconds: 3600 })).rejects.toThrow(/token key/);
    const ed = await makeCa('Ed25519');
    await expect(driver.issue({ csrPem: csr, caCertPem: ed.pem, caKey: ed.key, sans, expirySeconds: 3600 })).rejects.toThrow(/ed25519 CA key|Ed25519 CA key/);
    await expect(driver.createKey('Ed25519', 'x')).rejects.toThrow(/Ed25519/);
    await expect(driver.issue({ csrPem: csr, caCertPem: ca.pem, caKey: ca.key, sans })).rejects.toThrow(/notAfter or expirySeconds/);
  });

  it('keeps the CSR\'s own names when given none, and counts expiry from notBefore', async () => {
    const ca = await makeCa('EC-P384');
    const { csr } = makeCsr(tmp.dir, 'rsa2048', 'own.example.org', ['DNS:own.example.org', 'DNS:alias.example.org']);
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const pem = await createCfsslDriver({ tmpRoot: root }).issue({ csrPem: csr, caCertPem: ca.pem, caKey: ca.key, sans: [], notBefore, expirySeconds: 7200 });
    const cert = new X509Certificate(pem);
    expect(cert.subjectAltName).toBe('DNS:own.example.org, DNS:alias.example.org');
    expect(new Date(cert.validFrom).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2030-01-01T02:00:00.000Z');
  });

  it('signs RSA-4096 leaves with sha512WithRSAEncryption (cfssl picks the hash by CA key size)', async () => {
    const ca = await makeCa('RSA-4096');
    const { csr } = makeCsr(tmp.dir, 'ec256', 'svc.example.org');
    const pem = await createCfsslDriver({ tmpRoot: root }).issue({ csrPem: csr, caCertPem: ca.pem, caKey: ca.key, sans, expirySeconds: 3600 });
    expect(verifyChain(tmp.dir, ca.pem, pem)).toMatch(/OK/);
    expect(x509Text(pem)).toContain('Signature Algorithm: sha512WithRSAEncryption');
  });
});
