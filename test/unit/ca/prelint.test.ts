import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { caPlan, issue, leafPlan, type Issuer } from '../../../lib/ca/index.js';
import { nativeDriver, type Driver } from '../../../lib/drivers/index.js';
import { decideIssuance } from '../../../lib/ra/index.js';
import { parseCsr, subjectKeyIdentifier, type KeyType } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';

/**
 * The pre-lint: a certificate that fails lint is refused before any key signs it (the placeholder
 * signature costs no signature, so it must still stop the real one).
 */
const now = new Date();
const tmp = tempDir();
const csrPem = makeCsr(tmp.dir, 'ec256', 'prelint.example.org').csr;
afterAll(() => tmp.cleanup());

async function issuerOf(keyType: KeyType): Promise<Issuer> {
  const { privateKey } = keyType.startsWith('RSA') ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = { location: 'memory' as const, keyType, label: 'prelint', privateKey, publicKey: createPublicKey(privateKey) };
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const plan = caPlan({ subject: { CN: 'Prelint CA' }, validityDays: 30, keyType }, spki, 'root', now);
  const self: Issuer = { nameDer: plan.subjectDer, keyType, key, subjectKeyId: subjectKeyIdentifier(spki) };
  return { ...self, certificate: new X509Certificate((await issue(plan, self, nativeDriver, now)).der) };
}

function countingDriver(): Driver & { signed: number } {
  const d = { ...nativeDriver, signed: 0 };
  d.sign = async (...args: Parameters<Driver['sign']>) => {
    d.signed++;
    return nativeDriver.sign(...args);
  };
  return d;
}

describe('prelint', () => {
  for (const keyType of ['EC-P256', 'RSA-2048'] as const) {
    it(`${keyType}: a leaf that fails lint is refused and its CA key signs nothing; a good one is signed once`, async () => {
      const issuer = await issuerOf(keyType);
      const csr = parseCsr(csrPem);
      const d = decideIssuance({ id: 'ca', status: 'active', notAfter: new Date(now.getTime() + 20 * 86_400_000).toISOString() }, { csr, sans: ['prelint.example.org'], profile: 'default', ttlSeconds: 86400 }, now);
      const good = leafPlan(d, csr.spkiDer);
      const driver = countingDriver();
      await issue(good, issuer, driver, now);
      expect(driver.signed).toBe(1);
      // A leaf with no name at all: no subject and no SAN (RFC 5280 4.2.1.6, a lint error).
      const nameless = { ...good, sans: [], subjectDer: Buffer.from([0x30, 0x00]) };
      await expect(issue(nameless, issuer, driver, now)).rejects.toMatchObject({ code: expect.stringMatching(/LINT/) });
      expect(driver.signed).toBe(1);
    });
  }
});
