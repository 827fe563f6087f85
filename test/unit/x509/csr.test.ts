import { afterAll, describe, expect, it } from 'vitest';
import { parseCsr } from '../../../lib/x509/index.js';
import { makeCsr, openssl, tempDir, type CsrKey } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('parseCsr on CSRs made by openssl', () => {
  const cases: Array<[CsrKey, string, string]> = [
    ['rsa2048', 'RSA-2048', 'sha256WithRSAEncryption'],
    ['ec256', 'EC-P256', 'ecdsa-with-SHA256'],
    ['ec384', 'EC-P384', 'ecdsa-with-SHA256'],
    ['ed25519', 'Ed25519', 'Ed25519'],
  ];
  for (const [key, keyType, alg] of cases) {
    it(`reads and verifies ${key}`, () => {
      const { csr } = makeCsr(tmp.dir, key, `${key}.example.org`, ['DNS:a.example.org', 'IP:10.0.0.1', 'IP:2001:db8::1', 'email:x@example.org']);
      const parsed = parseCsr(csr);
      expect(parsed.keyType).toBe(keyType);
      expect(parsed.signatureAlgorithm).toBe(alg);
      expect(parsed.commonName).toBe(`${key}.example.org`);
      expect(parsed.subject).toBe(`CN=${key}.example.org`);
      expect(parsed.sans).toEqual([
        { type: 'dns', value: 'a.example.org' },
        { type: 'ip', value: '10.0.0.1' },
        { type: 'ip', value: '2001:db8::1' },
        { type: 'email', value: 'x@example.org' },
      ]);
      // The SPKI we copy is the one openssl put in.
      const pub = openssl(['req', '-noout', '-pubkey'], csr);
      expect(parsed.publicKey.export({ type: 'spki', format: 'pem' })).toBe(pub);
    });
  }

  it('refuses an IPv4-mapped IPv6 name in the CSR (it would pass for 127.0.0.1 in Go)', () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'mapped', ['DNS:a.example.org', 'IP:::ffff:127.0.0.1']);
    expect(() => parseCsr(csr)).toThrow(expect.objectContaining({ code: 'SAN_INVALID', status: 400, message: expect.stringContaining('use the plain IPv4 address 127.0.0.1') }));
  });

  it('reads a CSR without extensions', () => {
    expect(parseCsr(makeCsr(tmp.dir, 'ec256', 'plain').csr).sans).toEqual([]);
  });

  it('refuses an altered CSR (signature)', () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'x', ['DNS:x.example.org']);
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // Change one character of the CN inside the signed part.
    const i = der.indexOf(Buffer.from('x.example.org')) ;
    der[i] = 'y'.charCodeAt(0);
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_SIGNATURE_INVALID', status: 400 }));
  });

  it('refuses weak RSA and unknown curves', () => {
    expect(() => parseCsr(makeCsr(tmp.dir, 'rsa1024', 'weak').csr)).toThrow(expect.objectContaining({ code: 'CSR_KEY_UNSUPPORTED' }));
    const key = `${tmp.dir}/k1.pem`;
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1', '-out', key]);
    const csr = openssl(['req', '-new', '-key', key, '-subj', '/CN=k1']);
    expect(() => parseCsr(csr)).toThrow(expect.objectContaining({ code: 'CSR_KEY_UNSUPPORTED' }));
  });

  it.each([
    ['not PEM', 'hello'],
    ['bad base64', '-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----'],
    ['not DER', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'],
    ['a certificate', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----'],
    ['truncated', '-----BEGIN CERTIFICATE REQUEST-----\nMIIBADCBpwIBADA=\n-----END CERTIFICATE REQUEST-----'],
  ])('refuses %s with CSR_MALFORMED', (_what, pem) => {
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_MALFORMED', status: 400 }));
  });

  it('survives random corruption without anything but a 400', () => {
    const { csr } = makeCsr(tmp.dir, 'ec256', 'fuzz', ['DNS:fuzz.example.org']);
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    for (let n = 0; n < 500; n++) {
      const copy = Buffer.from(der);
      copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
      const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${copy.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      try {
        parseCsr(pem);
      } catch (e) {
        expect((e as { status?: number }).status).toBe(400);
      }
    }
  });
});
