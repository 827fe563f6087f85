import { randomUUID, verify, X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCfsslDriver } from '../../../lib/drivers/cfssl.js';
import { nativeDriver, type Driver, type KeyHandle } from '../../../lib/drivers/index.js';
import { createPkcs11Driver } from '../../../lib/drivers/pkcs11.js';
import {
  assembleCertificate,
  buildTbsCertificate,
  encodeName,
  keyTypeOf,
  newSerial,
  parseCsr,
  parseSans,
  signatureAlgorithmFor,
  subjectKeyIdentifier,
  toPem,
  type KeyType,
} from '../../../lib/x509/index.js';
import { makeCsr, tempDir, verifyChain, x509Text, type CsrKey } from '../../support/openssl.js';
import { softhsmToken } from '../../support/softhsm.js';

/*
 * One suite, every driver: the same CA key types, the same self-signed CA (lib/x509 + driver.sign),
 * the same leaf for an openssl CSR (lib/x509 + driver.sign, or driver.issue for drivers that build
 * their own certificates), judged by openssl alone.
 */

const tmp = tempDir();
const token = { label: 'conformance', pin: '1234' };
let hsm: ReturnType<typeof softhsmToken> | undefined;
const cfsslTmp = tempDir();

interface Subject {
  name: string;
  driver: Driver;
  /** What the driver must at least support. */
  mustSupport: KeyType[];
  setup?: () => void | Promise<void>;
  teardown?: () => void | Promise<void>;
}

const pkcs11 = createPkcs11Driver({ tokenLabel: token.label, pin: token.pin });
const cfssl = createCfsslDriver({ tmpRoot: cfsslTmp.dir });

const SUBJECTS: Subject[] = [
  { name: 'native', driver: nativeDriver, mustSupport: ['RSA-2048', 'EC-P256', 'EC-P384', 'Ed25519'] },
  {
    name: 'pkcs11',
    driver: pkcs11,
    mustSupport: ['RSA-2048', 'EC-P256', 'EC-P384', 'Ed25519'],
    setup: () => {
      hsm = softhsmToken(token.label, token.pin);
    },
    teardown: async () => {
      await pkcs11.close();
      hsm?.cleanup();
    },
  },
  {
    name: 'cfssl',
    driver: cfssl,
    mustSupport: ['RSA-2048', 'EC-P256', 'EC-P384'],
    teardown: () => {
      // Every issue() removed its private directory.
      expect(readdirSync(cfsslTmp.dir)).toEqual([]);
      cfsslTmp.cleanup();
    },
  },
];

/** The CA key types the suite exercises; a driver that does not offer one must refuse it. */
const CA_KEY_TYPES: KeyType[] = ['RSA-2048', 'EC-P256', 'EC-P384', 'Ed25519'];

/** Leaves get the other family's key, so both keyUsage shapes (RSA: + keyEncipherment) are seen. */
const LEAF_KEY: Record<KeyType, CsrKey> = {
  'RSA-2048': 'ec256',
  'RSA-3072': 'ec256',
  'RSA-4096': 'ec256',
  'EC-P256': 'rsa2048',
  'EC-P384': 'ec384',
  Ed25519: 'rsa2048',
};

/** The signature algorithm as `openssl x509 -text` prints it. */
const OPENSSL_ALG: Record<string, string> = {
  sha256WithRSAEncryption: 'sha256WithRSAEncryption',
  'ecdsa-with-SHA256': 'ecdsa-with-SHA256',
  'ecdsa-with-SHA384': 'ecdsa-with-SHA384',
  Ed25519: 'ED25519',
};

const colonHex = (b: Buffer) => b.toString('hex').toUpperCase().match(/../g)!.join(':');

/** The value printed on the line after an extension's heading in `openssl x509 -text`. */
function extensionValue(text: string, heading: string): string {
  const m = new RegExp(`${heading}:( critical)?\\s*\\n\\s*(.+)`).exec(text);
  if (!m) throw new Error(`no ${heading} in\n${text}`);
  return m[2].trim().replace(/^keyid:/, '');
}
const isCritical = (text: string, heading: string) => new RegExp(`${heading}: critical`).test(text);

afterAll(() => tmp.cleanup());

describe.each(SUBJECTS)('$name driver', (subject) => {
  const { driver } = subject;
  const supported = CA_KEY_TYPES.filter((kt) => driver.capabilities.keyTypes.includes(kt));
  const unsupported = CA_KEY_TYPES.filter((kt) => !driver.capabilities.keyTypes.includes(kt));

  beforeAll(async () => subject.setup?.());
  afterAll(async () => subject.teardown?.());

  it('describes itself', () => {
    const caps = driver.capabilities;
    expect(caps.name).toBe(subject.name);
    expect(driver.name).toBe(subject.name);
    for (const kt of subject.mustSupport) expect(caps.keyTypes).toContain(kt);
    expect(['memory', 'token']).toContain(caps.keyLocation);
    // A driver that builds its own certificates offers issue(); one that signs TBSs needs nothing else.
    expect(typeof driver.issue === 'function').toBe(caps.buildsOwnCertificate);
    if (caps.keyLocation === 'token') expect(typeof driver.findKey).toBe('function');
  });

  if (unsupported.length) it.each(unsupported)('refuses to create a %s key it cannot use', async (kt) => {
    await expect(driver.createKey(kt, `refused-${randomUUID()}`)).rejects.toThrow(kt);
  });

  describe.each(supported)('%s CA', (caKeyType) => {
    let ca: { handle: KeyHandle; pem: string; ski: Buffer; cert: X509Certificate };
    const caSubject = { CN: `Conformance ${subject.name} ${caKeyType} CA`, O: 'Conformance' };
    const algorithm = signatureAlgorithmFor(caKeyType);

    it('creates a key of that type, described by its handle', async () => {
      const label = `ca-${caKeyType}-${randomUUID()}`;
      const handle = await driver.createKey(caKeyType, label);
      expect(handle.location).toBe(driver.capabilities.keyLocation);
      expect(handle.keyType).toBe(caKeyType);
      expect(handle.label).toBe(label);
      expect(keyTypeOf(handle.publicKey)).toBe(caKeyType);
      expect(handle.publicKey.type).toBe('public');
      if (handle.location === 'token') expect(handle).not.toHaveProperty('privateKey');
      ca = { handle, pem: '', ski: Buffer.alloc(0), cert: undefined as unknown as X509Certificate };
    });

    it('signs in X.509 form: a signature node:crypto verifies (DER ECDSA-Sig-Value for EC)', async () => {
      const data = Buffer.from(`conformance ${randomUUID()}`);
      const signature = await driver.sign(data, algorithm, ca.handle);
      expect(verify(algorithm.hash, data, ca.handle.publicKey, signature)).toBe(true);
      expect(verify(algorithm.hash, Buffer.concat([data, Buffer.from('!')]), ca.handle.publicKey, signature)).toBe(false);
      if (caKeyType.startsWith('EC')) {
        expect(signature[0]).toBe(0x30);
        expect(signature[1]).toBe(signature.length - 2);
      }
      if (caKeyType === 'Ed25519') expect(signature.length).toBe(64);
      if (caKeyType === 'RSA-2048') expect(signature.length).toBe(256);
    });

    it('makes a self-signed CA certificate (lib/x509 TBS, driver signature) that openssl accepts', async () => {
      const spkiDer = ca.handle.publicKey.export({ type: 'spki', format: 'der' });
      const ski = subjectKeyIdentifier(spkiDer);
      const name = encodeName(caSubject);
      const tbs = buildTbsCertificate({
        serial: newSerial(),
        signatureAlgorithm: algorithm,
        issuerDer: name,
        subjectDer: name,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 10 * 365 * 86_400_000),
        spkiDer,
        profile: 'ca',
        pathLen: 0,
        subjectKeyType: caKeyType,
        authorityKeyId: ski,
      });
      const pem = toPem(assembleCertificate(tbs, algorithm, await driver.sign(tbs, algorithm, ca.handle)), 'CERTIFICATE');
      const cert = new X509Certificate(pem);
      expect(cert.verify(ca.handle.publicKey)).toBe(true);
      ca = { ...ca, pem, ski, cert };

      expect(verifyChain(tmp.dir, pem, pem)).toMatch(/leaf\.pem: OK/);
      const text = x509Text(pem);
      expect(text).toContain(`Signature Algorithm: ${OPENSSL_ALG[algorithm.name]}`);
      expect(text).toMatch(/CA:TRUE, pathlen:0/);
      expect(isCritical(text, 'X509v3 Basic Constraints')).toBe(true);
      expect(extensionValue(text, 'X509v3 Key Usage')).toBe('Digital Signature, Certificate Sign, CRL Sign');
      expect(extensionValue(text, 'X509v3 Subject Key Identifier')).toBe(colonHex(ski));
      expect(extensionValue(text, 'X509v3 Authority Key Identifier')).toBe(colonHex(ski));
    });

    it('issues a leaf for an openssl CSR that `openssl verify -x509_strict` accepts, with the right extensions', async () => {
      const leafKey = LEAF_KEY[caKeyType];
      const { csr: csrPem } = makeCsr(tmp.dir, leafKey, 'leaf.example.org', ['DNS:leaf.example.org']);
      const csr = parseCsr(csrPem);
      const sans = parseSans(['DNS:leaf.example.org', 'DNS:www.example.org', 'IP:192.0.2.10', 'email:ops@example.org']);
      const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      const notAfter = new Date(notBefore.getTime() + 30 * 86_400_000);

      let leafPem: string;
      if (driver.capabilities.buildsOwnCertificate) {
        if (ca.handle.location !== 'memory') throw new Error('a certificate-building driver with a token key');
        leafPem = await driver.issue!({ csrPem, caCertPem: ca.pem, caKey: ca.handle, sans, notBefore, notAfter });
      } else {
        const tbs = buildTbsCertificate({
          serial: newSerial(),
          signatureAlgorithm: algorithm,
          issuerDer: encodeName(caSubject),
          subjectDer: csr.subjectDer,
          notBefore,
          notAfter,
          spkiDer: csr.spkiDer,
          profile: 'leaf',
          subjectKeyType: csr.keyType,
          authorityKeyId: ca.ski,
          sans,
          extKeyUsage: ['serverAuth', 'clientAuth'],
        });
        leafPem = toPem(assembleCertificate(tbs, algorithm, await driver.sign(tbs, algorithm, ca.handle)), 'CERTIFICATE');
      }

      // The signature and the chain, by openssl.
      expect(verifyChain(tmp.dir, ca.pem, leafPem)).toMatch(/leaf\.pem: OK/);
      const leaf = new X509Certificate(leafPem);
      expect(leaf.verify(ca.handle.publicKey)).toBe(true);
      expect(leaf.checkIssued(ca.cert)).toBe(true);
      expect(leaf.publicKey.equals(csr.publicKey)).toBe(true);
      expect(new Date(leaf.validFrom).getTime()).toBe(notBefore.getTime());
      expect(new Date(leaf.validTo).getTime()).toBe(notAfter.getTime());

      const text = x509Text(leafPem);
      expect(text).toContain(`Signature Algorithm: ${OPENSSL_ALG[algorithm.name]}`);
      expect(text).toMatch(/Subject: CN\s*=\s*leaf\.example\.org/);
      expect(leaf.issuer).toBe(ca.cert.subject);
      expect(/Issuer: (.*)/.exec(text)?.[1]).toBe(/Subject: (.*)/.exec(x509Text(ca.pem))?.[1]);
      expect(extensionValue(text, 'X509v3 Basic Constraints')).toBe('CA:FALSE');
      expect(isCritical(text, 'X509v3 Basic Constraints')).toBe(true);
      expect(extensionValue(text, 'X509v3 Key Usage')).toBe(leafKey.startsWith('rsa') ? 'Digital Signature, Key Encipherment' : 'Digital Signature');
      expect(isCritical(text, 'X509v3 Key Usage')).toBe(true);
      expect(extensionValue(text, 'X509v3 Extended Key Usage')).toBe('TLS Web Server Authentication, TLS Web Client Authentication');
      expect(extensionValue(text, 'X509v3 Subject Key Identifier')).toBe(colonHex(subjectKeyIdentifier(csr.spkiDer)));
      expect(extensionValue(text, 'X509v3 Authority Key Identifier')).toBe(colonHex(ca.ski));
      const names = extensionValue(text, 'X509v3 Subject Alternative Name').split(', ').sort();
      expect(names).toEqual(['DNS:leaf.example.org', 'DNS:www.example.org', 'IP Address:192.0.2.10', 'email:ops@example.org']);
    });
  });
});
