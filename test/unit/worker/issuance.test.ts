import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, tempDir, verifyChain } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/** The worker's runners on the in-memory store: read, decide again, claim, sign, write. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('the worker issues through the RA and the CA module', () => {
  it('makes a root, then a leaf for a CSR that openssl verifies against it, valid for exactly the TTL', async () => {
    const w = memoryWorker({ publicUrl: 'https://ca.example' });
    const ca = await activeRoot(w, P);
    expect(ca).toMatchObject({ status: 'active', constraintChain: [] });
    const { csr } = makeCsr(tmp.dir, 'ec256', 'web.example.org', ['DNS:web.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:web.example.org'], ttlSeconds: 3600 });
    expect(await w.run(job)).toBe('succeeded');
    const issued = (await w.store.certificates.get(P, cert.id))!;
    expect(issued.status).toBe('issued');
    expect(issued.claimToken).toBeUndefined();
    expect(verifyChain(tmp.dir, ca.certificatePem!, issued.certificatePem!)).toContain('OK');
    const x = new X509Certificate(issued.certificatePem!);
    expect((Date.parse(x.validTo) - Date.parse(x.validFrom)) / 1000).toBe(3600);
    expect(x.subject).toBe('CN=web.example.org');
    // Its OCSP answer exists before the job says succeeded.
    expect(await w.store.ocspResponses.get(P, ca.id, normaliseSerialHex(issued.serial!))).toBeDefined();
  });

  it('decides again: a profile tightened after the request was accepted wins', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'web.example.org', ['DNS:web.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:web.example.org'], profile: 'web' });
    await w.store.cas.update(P, ca.id, { profiles: { web: { ...(await import('../../../lib/profiles/index.js')).DEFAULT_PROFILE, name: 'web', allow_any_name: false, allowed_domains: ['.apps.example.org'] } } });
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/PROFILE_NAME_NOT_ALLOWED/);
    expect(w.signatures()).toBe(2); // the root's certificate and its first CRL only
  });

  it('refuses a wildcard the request was not granted, signing nothing', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', '*.example.org', ['DNS:*.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:*.example.org'] });
    const before = w.signatures();
    expect(await w.run(job)).toBe('failed');
    expect(w.signatures()).toBe(before);
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/^POLICY_NOT_GRANTED: .* a wildcard name, which its request was not granted/);
    const granted = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:*.example.org'], wildcardAllowed: true });
    expect(await w.run(granted.job)).toBe('succeeded');
  });

  it('makes an intermediate under the root whose path constraints it records and enforces', async () => {
    const w = memoryWorker();
    const root = await activeRoot(w, P, { nameConstraints: { permittedDns: ['example.org'] } });
    const inter = await activeRoot(w, P, { parentId: root.id, nameConstraints: { permittedDns: ['apps.example.org'] }, pathLen: 0 });
    expect(inter.constraintChain).toEqual([{ permittedDns: ['example.org'] }, { permittedDns: ['apps.example.org'] }]);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'x.other.example.org', ['DNS:x.other.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, inter.id, { csrPem: csr, sans: ['DNS:x.other.example.org'] });
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/NAME_CONSTRAINT_VIOLATION/);
  });

  it('makes a server-side key, delivers it only to the requester and records the certificate', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb-1' } }, sans: ['DNS:lb-1.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
    expect(w.deliveries).toHaveLength(1);
    expect(w.deliveries[0]).toMatchObject({ projectId: P, certificateId: cert.id, readerUserId: 'user-1' });
    const issued = (await w.store.certificates.get(P, cert.id))!;
    expect(issued.keyContainerRef).toMatch(/containers/);
    expect(JSON.stringify(issued)).not.toMatch(/PRIVATE KEY/);
    expect(new X509Certificate(issued.certificatePem!).checkPrivateKey((await import('node:crypto')).createPrivateKey(w.deliveries[0].keyPem))).toBe(true);
  });
});
