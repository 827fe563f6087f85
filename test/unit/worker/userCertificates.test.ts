import { randomUUID, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { csrSha256 } from '../../../lib/enroll/index.js';
import type { CaRecord, EnrollmentRecord, KeystoneUser, MemoryStore } from '../../../lib/store/index.js';
import { decodeName, nameToRfc2253, parseCsr, readCertificate } from '../../../lib/x509/index.js';
import { makeCsr, openssl, tempDir, verifyChain } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * Keystone user certificates in the worker: signed only by a login CA of the operator's project,
 * only for what the enrollment asked for, with the subject the RA makes from the user (never the
 * CSR's), clientAuth only; a tenant CA never signs one, whatever the record says.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const SYSTEM = 'system';
const alice: KeystoneUser = { id: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', name: 'alice', email: 'alice@example.org' };

async function loginRoot(w: MemoryWorker, projectId = SYSTEM): Promise<CaRecord> {
  return activeRoot(w, projectId, { kind: 'login', userCertificates: { defaultTtl: 8 * 3600, maxTtl: 86400 }, subject: { CN: 'Login CA', OU: 'login CA test' } });
}

const putEnrollment = (store: MemoryStore, e: EnrollmentRecord) => store.raw.set(store.keyOf('ENROLL', e.projectId, e.id), { ...e });

/** A user certificate request with its enrollment, as the enrollment front end records them. */
async function userRequest(w: MemoryWorker, ca: CaRecord, fields: { enrollment?: Partial<EnrollmentRecord>; cert?: Record<string, unknown> } = {}) {
  const { csr } = makeCsr(tmp.dir, 'ec256', 'mallory-asks-for-this-cn', ['DNS:evil.example']);
  const enrollmentId = randomUUID();
  const { cert, job } = await pendingCertificate(w.store, ca.projectId, ca.id, { csrPem: csr, sans: ['email:alice@example.org'], ttlSeconds: 8 * 3600, profile: 'keystone_user', keystoneUser: alice, enrollmentId, ...fields.cert });
  const at = new Date().toISOString();
  putEnrollment(w.store, {
    id: enrollmentId,
    projectId: ca.projectId,
    caId: ca.id,
    kind: 'otp',
    status: 'issuing',
    user: alice,
    createdBy: 'admin',
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
    failedAttempts: 0,
    csrPem: csr,
    csrSha256: csrSha256(csr),
    certificateId: cert.id,
    jobId: job.id,
    ...fields.enrollment,
  });
  return { cert, job, csr };
}

describe('the worker and Keystone user certificates', () => {
  it('signs CN=<user name>, UID=<user id>, email from Keystone, clientAuth only, digitalSignature, CA:FALSE, OCSP URL', async () => {
    const w = memoryWorker({ publicUrl: 'https://ca.example' });
    const ca = await loginRoot(w);
    const { cert, job, csr } = await userRequest(w, ca);
    expect(await w.run(job)).toBe('succeeded');
    const issued = (await w.store.certificates.get(SYSTEM, cert.id))!;
    expect(verifyChain(tmp.dir, ca.certificatePem!, issued.certificatePem!)).toContain('OK');
    const x = new X509Certificate(issued.certificatePem!);
    expect(decodeName(subjectDer(issued.certificatePem!))).toEqual([
      { type: 'CN', value: 'alice' },
      { type: 'UID', value: alice.id },
    ]);
    expect(x.subjectAltName).toBe('email:alice@example.org');
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(x.ca).toBe(false);
    expect(x.infoAccess).toContain(`OCSP - URI:https://ca.example/v1/public/system/cas/${ca.id}/ocsp`);
    expect(x.publicKey.export({ type: 'spki', format: 'der' })).toEqual(parseCsr(csr).spkiDer);
    const text = openssl(['x509', '-noout', '-text', '-nameopt', 'rfc2253'], issued.certificatePem!);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication\n/);
    // The issuer as mod_ssl writes SSL_CLIENT_I_DN: what Keystone's remote_ids must hold.
    expect(openssl(['x509', '-noout', '-issuer', '-nameopt', 'rfc2253'], issued.certificatePem!).trim()).toBe(`issuer=${nameToRfc2253(subjectDer(ca.certificatePem!))}`);
    expect((new Date(issued.notAfter!).getTime() - new Date(issued.notBefore!).getTime()) / 1000).toBe(8 * 3600);
  });

  it('refuses a user certificate from a tenant CA, even with a user and an enrollment on the record', async () => {
    const w = memoryWorker();
    const tenantCa = await activeRoot(w, 'tenant-a');
    const before = w.signatures();
    const { job } = await userRequest(w, tenantCa);
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.jobs.get('tenant-a', job.id))!.reason).toMatch(/only from a login CA/);
    expect(w.signatures()).toBe(before);
  });

  it('refuses a login CA that is not in the operator\'s project', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w, 'tenant-a');
    const before = w.signatures();
    const { job } = await userRequest(w, ca);
    expect(await w.run(job)).toBe('refused');
    const events = await w.store.events.list('tenant-a', 10);
    expect(events.items.find((e) => e.action === 'job.refused')?.reason).toMatch(/login CAs are only the operator's/);
    expect(w.signatures()).toBe(before);
  });

  it('refuses what the enrollment did not ask for: another CSR, another user, no enrollment, an enrollment not issuing', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const before = w.signatures();
    const other = makeCsr(tmp.dir, 'ec256', 'x').csr;
    const cases = [
      await userRequest(w, ca, { enrollment: { csrSha256: csrSha256(other) } }),
      await userRequest(w, ca, { cert: { keystoneUser: { ...alice, id: 'ffffffffffffffffffffffffffffffff' } } }),
      await userRequest(w, ca, { cert: { enrollmentId: undefined } }),
      await userRequest(w, ca, { enrollment: { status: 'awaiting_approval' } }),
      await userRequest(w, ca, { enrollment: { certificateId: randomUUID() } }),
    ];
    for (const { job } of cases) expect(await w.run(job)).toBe('refused');
    expect(w.signatures()).toBe(before);
  });

  it('a renewal is signed only while the renewed certificate is the user’s, issued and unrevoked', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const first = await userRequest(w, ca);
    expect(await w.run(first.job)).toBe('succeeded');
    const renewal = (fields: { enrollment?: Partial<EnrollmentRecord> } = {}) =>
      userRequest(w, ca, { enrollment: { kind: 'renewal', renews: first.cert.id, ...fields.enrollment }, cert: { renewedFrom: first.cert.id } });
    const ok = await renewal();
    expect(await w.run(ok.job)).toBe('succeeded');
    // Another user's certificate (by its signed subject) renews nothing of alice's.
    const bobs = await userRequest(w, ca, { cert: { keystoneUser: { id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', name: 'bob' } }, enrollment: { user: { id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', name: 'bob' } } });
    expect(await w.run(bobs.job)).toBe('succeeded');
    const forged = await userRequest(w, ca, { enrollment: { kind: 'renewal', renews: bobs.cert.id }, cert: { renewedFrom: bobs.cert.id } });
    expect(await w.run(forged.job)).toBe('refused');
    // Revoked meanwhile (a user's machines revoked while a renewal was in flight): it fails.
    await w.store.certificates.update(SYSTEM, first.cert.id, { status: 'revoked', revokedAt: new Date().toISOString() });
    const late = await renewal();
    expect(await w.run(late.job)).toBe('failed');
    expect((await w.store.jobs.get(SYSTEM, late.job.id))!.reason).toMatch(/PREDECESSOR_NOT_VALID/);
  });

  it('a machine enrollment is signed only while its approver’s certificate is good', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const approver = await userRequest(w, ca);
    expect(await w.run(approver.job)).toBe('succeeded');
    const serial = (await w.store.certificates.get(SYSTEM, approver.cert.id))!.serial!;
    const { normaliseSerialHex } = await import('../../../lib/x509/index.js');
    const approved = await userRequest(w, ca, { enrollment: { kind: 'machine', approverSerial: normaliseSerialHex(serial) } });
    expect(await w.run(approved.job)).toBe('succeeded');
    const unknown = await userRequest(w, ca, { enrollment: { kind: 'machine', approverSerial: 'abcdef' } });
    expect(await w.run(unknown.job)).toBe('refused');
  });

  it('a login CA signs nothing but user certificates', async () => {
    const w = memoryWorker();
    const ca = await loginRoot(w);
    const before = w.signatures();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'web.example', ['DNS:web.example']);
    const { job } = await pendingCertificate(w.store, SYSTEM, ca.id, { csrPem: csr, sans: ['DNS:web.example'] });
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.jobs.get(SYSTEM, job.id))!.reason).toMatch(/only Keystone user certificates/);
    expect(w.signatures()).toBe(before);
  });
});

function subjectDer(pem: string): Buffer {
  return readCertificate(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).subjectDer;
}
