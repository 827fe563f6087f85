import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir, verifyChain, x509Text, type CsrKey } from '../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let admin: string;
let ca: any;

beforeAll(async () => {
  admin = await keystoneToken('admin', 'secret', 'admin');
  ca = await createActiveCa(admin, { subject: { CN: 'Integration Root', O: 'Test' }, key_type: 'EC-P256', validity_days: 365 });
});

describe('root CA', () => {
  it('is active with a self-signed CA certificate that openssl reads', () => {
    expect(ca.status).toBe('active');
    const text = x509Text(ca.certificate);
    expect(text).toContain('CA:TRUE');
    expect(text).toMatch(/Subject: .*CN ?= ?Integration Root/);
    expect(text).toContain('Certificate Sign, CRL Sign');
    const cert = new X509Certificate(ca.certificate);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('is listed for its project', async () => {
    const { status, body } = await api('GET', '/v1/cas', { token: admin });
    expect(status).toBe(200);
    expect(body.cas.map((c: any) => c.id)).toContain(ca.id);
  });

  it('never shows its Barbican reference', async () => {
    const { body } = await api('GET', `/v1/cas/${ca.id}`, { token: admin });
    expect(JSON.stringify(body)).not.toMatch(/secrets\/|keyRef|key_ref/);
  });

  for (const keyType of ['RSA-2048', 'Ed25519'] as const) {
    it(`can be made with ${keyType} keys`, async () => {
      const other = await createActiveCa(admin, { subject: { CN: `${keyType} Root` }, key_type: keyType });
      expect(other.key_type).toBe(keyType);
      expect(new X509Certificate(other.certificate).publicKey.asymmetricKeyType).toBe(keyType === 'Ed25519' ? 'ed25519' : 'rsa');
    });
  }
});

describe('certificates from CSRs', () => {
  const cases: Array<[CsrKey, string[]]> = [
    ['rsa2048', ['DNS:rsa.example.org', 'IP:192.0.2.10']],
    ['ec256', ['DNS:ec.example.org', 'DNS:*.ec.example.org']],
  ];
  for (const [key, sans] of cases) {
    it(`signs a ${key} CSR; openssl verifies the chain and the SANs match`, async () => {
      const { csr } = makeCsr(tmp.dir, key, `${key}.example.org`);
      const submitted = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr, sans, ttl: '720h' } });
      expect(submitted.status).toBe(202);
      expect(submitted.headers.get('location')).toMatch(new RegExp(`/v1/jobs/${submitted.body.job.id}$`));
      expect(submitted.body.certificate.status).toBe('pending');

      const job = await waitForJob(admin, submitted.body.job.id);
      expect(job.status).toBe('succeeded');
      expect(job.links.find((l: any) => l.rel === 'result').href).toMatch(new RegExp(`/v1/certificates/${submitted.body.certificate.id}$`));

      const { status, body } = await api('GET', `/v1/certificates/${submitted.body.certificate.id}`, { token: admin });
      expect(status).toBe(200);
      const cert = body.certificate;
      expect(cert.status).toBe('issued');
      expect(cert.chain).toBe(ca.certificate);
      expect(verifyChain(tmp.dir, cert.chain, cert.certificate)).toContain('OK');

      const x = new X509Certificate(cert.certificate);
      const expected = sans.map((s) => (s.startsWith('IP:') ? `IP Address:${s.slice(3)}` : s)).sort();
      expect(x.subjectAltName!.split(', ').sort()).toEqual(expected);
      expect(x.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(cert.serial.replace(/^0+/, ''));
      const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);
      const text = x509Text(cert.certificate);
      expect(text).toContain('CA:FALSE');
      expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
      expect(text).toMatch(/X509v3 Authority Key Identifier/);
    });
  }

  it('takes the names from the CSR when none are requested', async () => {
    const { csr } = makeCsr(tmp.dir, 'ec384', 'from-csr.example.org', ['DNS:from-csr.example.org', 'email:ops@example.org']);
    const submitted = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr } });
    expect(submitted.status).toBe(202);
    expect(submitted.body.certificate.sans).toEqual(['DNS:from-csr.example.org', 'email:ops@example.org']);
    expect((await waitForJob(admin, submitted.body.job.id)).status).toBe('succeeded');
    const { body } = await api('GET', `/v1/certificates/${submitted.body.certificate.id}`, { token: admin });
    expect(new X509Certificate(body.certificate.certificate).subjectAltName).toBe('DNS:from-csr.example.org, email:ops@example.org');
  });

  it('lists certificates by CA, paginated with limit and marker', async () => {
    const { body: page1 } = await api('GET', `/v1/certificates?ca_id=${ca.id}&limit=2`, { token: admin });
    expect(page1.certificates).toHaveLength(2);
    const next = page1.certificates_links.find((l: any) => l.rel === 'next');
    expect(next.href).toContain(`marker=${page1.certificates[1].id}`);
    const { body: page2 } = await api('GET', new URL(next.href).pathname + new URL(next.href).search, { token: admin });
    expect(page2.certificates.length).toBeGreaterThanOrEqual(1);
    const ids = [...page1.certificates, ...page2.certificates].map((c: any) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(page2.certificates.every((c: any) => c.ca_id === ca.id)).toBe(true);
  });
});
