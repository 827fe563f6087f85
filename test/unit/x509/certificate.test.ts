import { sign, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleCertificate,
  buildTbsCertificate,
  encodeName,
  KEY_TYPES,
  newSerial,
  parseCsr,
  parseSans,
  signatureAlgorithmFor,
  subjectKeyIdentifier,
  toPem,
  type KeyType,
} from '../../../lib/x509/index.js';
import { makeCsr, openssl, tempDir, verifyChain, x509Text } from '../../support/openssl.js';
import { keyPairFor } from '../../support/keys.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());


function makeCa(keyType: KeyType, notAfter = new Date(Date.now() + 365 * 86_400_000)) {
  const { privateKey, publicKey } = keyPairFor(keyType);
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName({ CN: `${keyType} Test CA`, O: 'Test', C: 'DE' });
  const alg = signatureAlgorithmFor(keyType);
  const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: name, subjectDer: name, notBefore: new Date(Date.now() - 60_000), notAfter, spkiDer, profile: 'ca', pathLen: 0, subjectKeyType: keyType, authorityKeyId: ski });
  const pem = toPem(assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey)), 'CERTIFICATE');
  return { pem, privateKey, ski, name, alg, keyType };
}

describe('certificates built by lib/x509, checked by openssl', () => {
  for (const caType of KEY_TYPES) {
    it(`${caType} CA signs an EC and an RSA leaf that openssl verifies strictly`, () => {
      const ca = makeCa(caType);
      const caText = x509Text(ca.pem);
      expect(caText).toMatch(/CA:TRUE, pathlen:0/);
      expect(caText).toContain('Digital Signature, Certificate Sign, CRL Sign');
      for (const key of ['ec256', 'rsa2048'] as const) {
        const csr = parseCsr(makeCsr(tmp.dir, key, 'leaf.example.org').csr);
        const sans = parseSans(['leaf.example.org', 'IP:192.0.2.7', 'IP:2001:db8::7', 'ops@example.org']);
        const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: ca.alg, issuerDer: ca.name, subjectDer: csr.subjectDer, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), spkiDer: csr.spkiDer, profile: 'leaf', subjectKeyType: csr.keyType, authorityKeyId: ca.ski, sans });
        const leaf = toPem(assembleCertificate(tbs, ca.alg, sign(ca.alg.hash, tbs, ca.privateKey)), 'CERTIFICATE');
        expect(verifyChain(tmp.dir, ca.pem, leaf)).toContain('OK');
        const text = x509Text(leaf);
        expect(text).toContain('CA:FALSE');
        expect(text).toContain(key === 'rsa2048' ? 'Digital Signature, Key Encipherment' : 'Digital Signature\n');
        expect(text).toContain('DNS:leaf.example.org, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7, email:ops@example.org');
        const x = new X509Certificate(leaf);
        expect(x.checkIssued(new X509Certificate(ca.pem))).toBe(true);
        expect(x.subject).toBe('CN=leaf.example.org');
      }
    });
  }

  it('encodes validity from 2050 as GeneralizedTime, which openssl accepts', () => {
    const ca = makeCa('EC-P256', new Date(Date.UTC(2051, 0, 1)));
    const der = Buffer.from(ca.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(der.includes(Buffer.from('20510101000000Z'))).toBe(true);
    const file = join(tmp.dir, 'far.pem');
    writeFileSync(file, ca.pem);
    expect(openssl(['verify', '-x509_strict', '-CAfile', file, file])).toContain('OK');
    expect(new X509Certificate(ca.pem).validTo).toMatch(/2051/);
  });

  it('makes positive, DER-minimal, 128-bit serials', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = newSerial();
      expect(s.length).toBeLessThanOrEqual(17);
      if (s.length === 17) expect(s[0]).toBe(0);
      if (s[0] === 0) expect(s[1] & 0x80).toBe(0x80);
      seen.add(s.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });
});
