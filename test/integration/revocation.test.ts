import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, openssl, tempDir, x509Text } from '../support/openssl.js';

/** Revocation: the CRL the worker signs and the OCSP answers it pre-signs, checked with openssl as the client. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let carol: string;
let ca: any;
let cert: any;
let urls: { crl: string; ocsp: string };
const file = (name: string, data: string | Buffer) => {
  const p = join(tmp.dir, `${name}-${Math.random()}`);
  writeFileSync(p, data);
  return p;
};

async function issue(token: string, cn: string) {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { csr } });
  await waitForJob(token, res.body.job.id);
  return (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token })).body.certificate;
}

/** openssl as the OCSP client (POST); its verdict "Response verify OK" goes to stderr. */
function ocsp(leafPem: string, certIdHash: 'sha1' | 'sha256' = 'sha1'): string {
  const run = spawnSync('openssl', ['ocsp', `-${certIdHash}`, '-issuer', file('ca', ca.certificate), '-cert', file('leaf', leafPem), '-url', urls.ocsp, '-CAfile', file('ca', ca.certificate), '-no_nonce', '-resp_text'], { encoding: 'utf8' });
  return run.stdout + run.stderr;
}

async function crlText(): Promise<string> {
  const res = await fetch(`${urls.crl}?format=pem`);
  expect(res.headers.get('content-type')).toBe('application/x-pem-file');
  const pem = await res.text();
  // openssl prints "verify OK" on stderr.
  const run = spawnSync('openssl', ['crl', '-noout', '-text', '-verify', '-CAfile', file('ca', ca.certificate)], { input: pem, encoding: 'utf8' });
  return run.stdout + run.stderr;
}

beforeAll(async () => {
  [admin, alice, carol] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a'), keystoneToken('carol', 'cpass3', 'tenant-a')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Revocation Root' } });
  cert = await issue(alice, 'revoke-me.example.org');
  const text = x509Text(cert.certificate);
  urls = { crl: /X509v3 CRL Distribution Points:[\s\S]*?URI:(\S+)/.exec(text)![1], ocsp: /OCSP - URI:(\S+)/.exec(text)![1] };
});

describe('revocation', () => {
  it('issued certificates point to the CA’s public CRL and OCSP responder', () => {
    // The partition of the CA's CRL for the day the certificate expires (CRL_PARTITION_DAYS).
    expect(urls.crl).toMatch(new RegExp(`/v1/public/[0-9a-f]{32}/cas/${ca.id}/crl/p\\d{8}$`));
    expect(urls.ocsp).toMatch(new RegExp(`/v1/public/[0-9a-f]{32}/cas/${ca.id}/ocsp$`));
  });

  it('a new CA publishes its (empty) CRL at once', async () => {
    const text = await crlText();
    expect(text).toContain('verify OK');
    expect(text).toContain('No Revoked Certificates');
    expect(text).toMatch(/X509v3 CRL Number:\s+1\b/);
  });

  it('OCSP answers "good" for a fresh certificate, signed by the CA (openssl ocsp), for SHA-1 and SHA-256 CertIDs', () => {
    for (const hash of ['sha1', 'sha256'] as const) {
      const out = ocsp(cert.certificate, hash);
      expect(out, hash).toContain('Response verify OK');
      expect(out, hash).toMatch(/: good/);
      expect(out, hash).toContain(`Hash Algorithm: ${hash}`);
    }
  });

  it('lets HTTP caches keep CRL and OCSP answers only a short time (300 s), not until nextUpdate', async () => {
    expect((await fetch(urls.crl)).headers.get('cache-control')).toBe('public, max-age=300');
    const req = file('req-cache', '');
    openssl(['ocsp', '-issuer', file('ca', ca.certificate), '-cert', file('leaf', cert.certificate), '-no_nonce', '-reqout', req]);
    const { readFileSync } = await import('node:fs');
    const res = await fetch(urls.ocsp, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: readFileSync(req) });
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('is refused to readers (403) and hides other projects’ certificates (404)', async () => {
    expect((await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: carol, body: {} })).body.error.code).toBe('POLICY_DENIED:ca:certificates:revoke');
    const bob = await keystoneToken('bob', 'bpass2', 'tenant-b');
    expect((await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: bob, body: {} })).status).toBe(404);
    expect((await api('POST', `/v1/certificates/${crypto.randomUUID()}/revoke`, { token: alice, body: {} })).body.error.code).toBe('CERTIFICATE_NOT_FOUND');
    expect((await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: alice, body: { reason: 'removeFromCRL' } })).body.error.code).toBe('BODY_INVALID');
  });

  it('revokes once: a second call gives the same answer and the CRL lists it once, with its reason', async () => {
    const first = await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: alice, body: { reason: 'keyCompromise' } });
    expect(first.status).toBe(200);
    expect(first.body.certificate).toMatchObject({ status: 'revoked', revocation_reason: 'keyCompromise' });
    const second = await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: alice, body: { reason: 'superseded' } });
    expect(second.status).toBe(200);
    expect(second.body.certificate).toEqual(first.body.certificate);

    const serial = cert.serial.replace(/^0+/, '').toUpperCase();
    let text = '';
    for (let i = 0; i < 100 && !text.includes(serial); i++) {
      if ((await fetch(urls.crl)).status === 200) text = await crlText();
      if (!text.includes(serial)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toContain('verify OK');
    expect(text.split(serial).length - 1).toBe(1);
    expect(text).toMatch(/Key Compromise/);
    expect(text).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(text).toMatch(new RegExp(`Issuing Distribution Point: critical\\s+Full Name:\\s+URI:${urls.crl.replace(/[.?]/g, '\\$&')}`));
  });

  it('openssl refuses the revoked certificate with the CRL, and OCSP says "revoked"', async () => {
    const crl = file('crl', Buffer.from(await (await fetch(urls.crl)).arrayBuffer()));
    const pem = file('crl-pem', openssl(['crl', '-inform', 'DER', '-in', crl]));
    let verify = '';
    try {
      verify = openssl(['verify', '-crl_check', '-CAfile', file('ca', ca.certificate), '-CRLfile', pem, file('leaf', cert.certificate)]);
    } catch (e) {
      verify = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
    }
    expect(verify).toMatch(/certificate revoked/);
    // The CA's full CRL (no partition in its URL, no IDP: complete for the key) lists it too, and openssl takes it for the leaf.
    const fullUrl = urls.crl.replace(/\/p\d{8}$/, '');
    const fullPem = file('crl-full', await (await fetch(`${fullUrl}?format=pem`)).text());
    expect(openssl(['crl', '-noout', '-text', '-in', fullPem])).not.toContain('Issuing Distribution Point');
    const full = spawnSync('openssl', ['verify', '-crl_check', '-CAfile', file('ca', ca.certificate), '-CRLfile', fullPem, file('leaf', cert.certificate)], { encoding: 'utf8' });
    expect(full.stdout + full.stderr).toMatch(/certificate revoked/);
    for (const hash of ['sha1', 'sha256'] as const) {
      const out = ocsp(cert.certificate, hash);
      expect(out, hash).toContain('Response verify OK');
      expect(out, hash).toMatch(/: revoked/);
      expect(out, hash).toMatch(/Reason: keyCompromise/);
    }
    // Another certificate of the same CA is still good, by CRL and by OCSP.
    const other = await issue(alice, 'keep-me.example.org');
    expect(openssl(['verify', '-crl_check', '-CAfile', file('ca', ca.certificate), '-CRLfile', pem, file('leaf', other.certificate)])).toContain('OK');
    expect(openssl(['verify', '-crl_check', '-CAfile', file('ca', ca.certificate), '-CRLfile', fullPem, file('leaf', other.certificate)])).toContain('OK');
    expect(ocsp(other.certificate)).toMatch(/: good/);
  });

  it('OCSP by GET, and "unauthorized" for a certificate it has no answer for', async () => {
    const req = file('req', '');
    openssl(['ocsp', '-issuer', file('ca', ca.certificate), '-cert', file('leaf', cert.certificate), '-no_nonce', '-reqout', req]);
    const { readFileSync } = await import('node:fs');
    const b64 = encodeURIComponent(readFileSync(req).toString('base64'));
    const res = await fetch(`${urls.ocsp}/${b64}`);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
    const text = openssl(['ocsp', '-respin', file('resp', Buffer.from(await res.arrayBuffer())), '-resp_text', '-noverify']);
    expect(text).toMatch(/Cert Status: revoked/);
    const stranger = createActiveCa(admin, { subject: { CN: 'Stranger' } });
    const strangerLeaf = await (async () => {
      const s = await stranger;
      const { csr } = makeCsr(tmp.dir, 'ec256', 's.example.org', ['DNS:s.example.org']);
      const r = await api('POST', `/v1/cas/${s.id}/certificates`, { token: alice, body: { csr } });
      await waitForJob(alice, r.body.job.id);
      return (await api('GET', `/v1/certificates/${r.body.certificate.id}`, { token: alice })).body.certificate.certificate;
    })();
    expect(ocsp(strangerLeaf)).toMatch(/unauthorized|Responder Error/i);
  });
});

describe('scheduled re-signing', () => {
  it('signs the CRL again at half its validity, with a higher number, through the scheduler', async () => {
    const number = async () => Number(/X509v3 CRL Number:\s+(\d+)/.exec(await crlText())![1]);
    const before = await number();
    const res = await fetch(`http://127.0.0.1:${process.env.LAMBDA_PORT}/2015-03-31/functions/openstack-ca-local-renewDue/invocations`, { method: 'POST', body: JSON.stringify({ now: new Date(Date.now() + 4 * 86_400_000).toISOString() }) });
    expect(res.status).toBe(200);
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await number();
    }
    expect(after).toBeGreaterThan(before);
  });
});
