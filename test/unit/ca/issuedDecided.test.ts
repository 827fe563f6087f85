import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caPlan, issue, IssuedNotDecidedError, leafPlan, type Issuer } from '../../../lib/ca/index.js';
import { createCfsslDriver } from '../../../lib/drivers/cfssl.js';
import { nativeDriver, type Driver } from '../../../lib/drivers/index.js';
import { createPkcs11Driver } from '../../../lib/drivers/pkcs11.js';
import { decideIssuance } from '../../../lib/ra/index.js';
import { assembleCertificate, buildTbsCertificate, encodeName, newSerial, parseCsr, signatureAlgorithmFor, subjectKeyIdentifier, toPem } from '../../../lib/x509/index.js';
import { makeCsr, tempDir, verifyChain } from '../../support/openssl.js';
import { softhsmToken } from '../../support/softhsm.js';

/**
 * Issued = decided, for every driver: what comes back signed is read by the strict DER reader and
 * node:crypto and compared with the plan; any difference is ISSUED_NOT_DECIDED and nothing is
 * returned. Defect: with cfssl, the CSR's whole subject was copied (O=system:masters for a plain
 * member) and IP:::ffff:10.0.0.1 was written as 10.0.0.1, and nothing noticed.
 */
const tmp = tempDir();
const token = { label: 'issued-decided', pin: '1234' };
let hsm: ReturnType<typeof softhsmToken> | undefined;
const pkcs11 = createPkcs11Driver({ tokenLabel: token.label, pin: token.pin });
const cfssl = createCfsslDriver();
const now = new Date();

beforeAll(() => {
  hsm = softhsmToken(token.label, token.pin);
});
afterAll(async () => {
  await pkcs11.close();
  hsm?.cleanup();
  tmp.cleanup();
});

/** A root made and signed through the driver, as the worker makes one. */
async function rootOf(driver: Driver): Promise<Issuer & { pem: string }> {
  const key = await driver.createKey('EC-P256', `root-${Math.random()}`);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const plan = caPlan({ subject: { CN: `${driver.name} root` }, validityDays: 30, keyType: 'EC-P256' }, spkiDer, 'root', now);
  const self: Issuer = { nameDer: plan.subjectDer, keyType: 'EC-P256', key, subjectKeyId: subjectKeyIdentifier(spkiDer) };
  const made = await issue(plan, self, driver, now);
  const { X509Certificate } = await import('node:crypto');
  return { ...self, certificate: new X509Certificate(made.der), pem: made.pem };
}

function decided(csrPem: string, sans: string[]) {
  const csr = parseCsr(csrPem);
  const d = decideIssuance({ id: 'ca', status: 'active', notAfter: new Date(now.getTime() + 20 * 86_400_000).toISOString() }, { csr, sans, profile: 'default', ttlSeconds: 86400 }, now);
  return leafPlan(d, csr.spkiDer, { csrPem });
}

/** Signs something other than the TBS it is given: a driver (or token) that does not do as told. */
const tampering = (inner: Driver): Driver => ({
  ...inner,
  name: inner.name,
  capabilities: inner.capabilities,
  sign: async (tbs, alg, key) => {
    const other = Buffer.from(tbs);
    other[other.length - 1] ^= 1;
    return inner.sign(other, alg, key);
  },
});

describe.each([
  { name: 'native', driver: nativeDriver as Driver },
  { name: 'pkcs11', driver: pkcs11 as Driver },
  { name: 'cfssl', driver: cfssl as Driver },
])('$name driver', ({ driver }) => {
  it('issues what was decided, and openssl verifies it', async () => {
    const root = await rootOf(driver);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'ok.example.org', ['DNS:ok.example.org']);
    const leaf = await issue(decided(csr, ['IP:192.0.2.7']), root, driver, now);
    expect(verifyChain(tmp.dir, root.pem, leaf.pem)).toContain('OK');
  });

  it('refuses a certificate whose signature is not over the decided TBS', async () => {
    const root = await rootOf(driver);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'ok.example.org', ['DNS:ok.example.org']);
    const plan = decided(csr, []);
    if (driver.capabilities.buildsOwnCertificate) {
      // cfssl builds from the CSR; its CA's own certificate goes through sign(): tamper with that.
      await expect(issue(caPlan({ subject: { CN: 'x' }, validityDays: 1, keyType: 'EC-P256' }, root.key.publicKey.export({ type: 'spki', format: 'der' }), 'root', now), { ...root, certificate: undefined }, tampering(driver), now)).rejects.toMatchObject({ code: 'ISSUED_NOT_DECIDED', fields: ['signature'] });
    } else {
      await expect(issue(plan, root, tampering(driver), now)).rejects.toMatchObject({ code: 'ISSUED_NOT_DECIDED', fields: ['signature'] });
    }
  });
});

describe('cfssl', () => {
  it('writes an IPv4-mapped IPv6 name as IPv4: refused as not decided', async () => {
    const root = await rootOf(cfssl);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'mapped.example.org', ['DNS:mapped.example.org']);
    const plan = decided(csr, []);
    // The RA refuses such names now; the check must catch a driver that rewrites one all the same.
    plan.sans = [...plan.sans!, { type: 'ip', value: '::ffff:a00:1' }];
    const e = await issue(plan, root, cfssl, now).catch((err) => err);
    expect(e).toBeInstanceOf(IssuedNotDecidedError);
    expect(e.fields).toContain('subjectAltName');
  });

  it('is given the decided subject, and a CSR subject with more is refused before cfssl runs', async () => {
    const root = await rootOf(cfssl);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'plain.example.org', ['DNS:plain.example.org']);
    const leaf = await issue(decided(csr, []), root, cfssl, now);
    expect(new (await import('node:crypto')).X509Certificate(leaf.der).subject).toBe('CN=plain.example.org');
    const masters = makeCsrWithSubject('/O=system:masters/CN=member.example.org');
    await expect(issue(decided(masters, ['DNS:member.example.org']), root, cfssl, now)).rejects.toMatchObject({ code: 'CFSSL_SUBJECT_UNSUPPORTED' });
  });

  it('a driver that builds a certificate with another subject is refused', async () => {
    const root = await rootOf(nativeDriver);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'member.example.org', ['DNS:member.example.org']);
    const plan = decided(csr, []);
    // A certificate builder that copies the CSR subject and adds O=system:masters, as cfssl would.
    const copying: Driver = {
      ...nativeDriver,
      name: 'copying',
      capabilities: { ...nativeDriver.capabilities, name: 'copying', buildsOwnCertificate: true },
      issue: async (r) => {
        const alg = signatureAlgorithmFor('EC-P256');
        const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: root.nameDer, subjectDer: encodeName({ CN: 'member.example.org', O: 'system:masters' }), notBefore: r.notBefore!, notAfter: r.notAfter!, spkiDer: plan.spkiDer, profile: 'leaf', subjectKeyType: 'EC-P256', authorityKeyId: root.subjectKeyId, sans: r.sans, keyUsage: r.keyUsage, extKeyUsage: r.extKeyUsage });
        return toPem(assembleCertificate(tbs, alg, await nativeDriver.sign(tbs, alg, root.key)), 'CERTIFICATE');
      },
    };
    await expect(issue(plan, root, copying, now)).rejects.toMatchObject({ code: 'ISSUED_NOT_DECIDED', fields: ['subject'] });
  });
});

function makeCsrWithSubject(subj: string): string {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${tmp.dir}/m.key`, '-subj', subj, '-addext', 'subjectAltName=DNS:member.example.org'], { encoding: 'utf8' });
}
