import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, pendingCa, signedThenDied } from '../../support/worker.js';

/**
 * Defect: two concurrent deliveries of one message both signed (and both stored a key in
 * Barbican); one certificate was recorded, the other could never be listed, revoked or put on a
 * CRL. Now one delivery claims the record before anything is signed; the other signs nothing.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('one delivery signs, once', () => {
  it('two concurrent deliveries of a certificate job: one signs, the other does nothing', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'twice.example.org', ['DNS:twice.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:twice.example.org'] });
    const before = w.signatures();
    const outcomes = await Promise.all([w.run(job), w.run(job)]);
    expect(outcomes.sort()).toEqual(['busy', 'succeeded']);
    // One leaf and its OCSP answers (one per CertID hash: SHA-1 and SHA-256).
    expect(w.signatures() - before).toBe(3);
    expect((await w.store.certificates.get(P, cert.id))!.status).toBe('issued');
  });

  it('two concurrent deliveries of a server-side key job deliver one key', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb' } }, sans: ['DNS:lb.example.org'] });
    await Promise.all([w.run(job), w.run(job)]);
    expect(w.deliveries).toHaveLength(1);
  });

  it('two concurrent deliveries of a CA job make one key', async () => {
    const w = memoryWorker();
    const { job } = await pendingCa(w.store, P);
    const outcomes = await Promise.all([w.run(job), w.run(job)]);
    expect(outcomes.sort()).toEqual(['busy', 'succeeded']);
    expect(w.secrets.size).toBe(1);
  });

  it('from a CSR, signed and issued are one write: a delivery that stops before it leaves nothing, and the retry signs once', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'once.example.org', ['DNS:once.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:once.example.org'] });
    const real = w.store.certificates.updateClaimed;
    const writes: Array<Record<string, unknown>> = [];
    let failed = false;
    w.store.certificates.updateClaimed = async (...args) => {
      writes.push(args[3] as Record<string, unknown>);
      if (!failed && args[3].status === 'issued') {
        failed = true;
        throw new Error('the worker died here');
      }
      return real(...args);
    };
    expect(await w.run(job, 1)).toBe('retry');
    // The one write carries the certificate and the status together; it failed, so nothing of it is kept.
    expect(writes.filter((f) => f.certificatePem)).toEqual([expect.objectContaining({ status: 'issued' })]);
    const left = (await w.store.certificates.get(P, cert.id))!;
    expect([left.status, left.serial, left.certificatePem]).toEqual(['pending', undefined, undefined]);
    const before = w.signatures();
    expect(await w.run(job, 2)).toBe('succeeded');
    // The certificate, then its two OCSP answers (SHA-1 and SHA-256 CertIDs).
    expect(w.signatures() - before).toBe(3);
    expect(await w.store.certificates.get(P, cert.id)).toMatchObject({ status: 'issued', serial: expect.any(String) });
  });

  it('a certificate an earlier worker recorded signed but not issued is resumed from the record, not signed again', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'resume.example.org', ['DNS:resume.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:resume.example.org'] });
    const real = w.store.certificates.updateClaimed;
    w.store.certificates.updateClaimed = signedThenDied(real);
    expect(await w.run(job, 1)).toBe('retry');
    const recorded = (await w.store.certificates.get(P, cert.id))!;
    expect(recorded).toMatchObject({ status: 'pending' });
    expect(recorded.serial).toBeDefined();
    const signaturesAfterFirst = w.signatures();
    expect(await w.run(job, 2)).toBe('succeeded');
    const done = (await w.store.certificates.get(P, cert.id))!;
    expect(done.serial).toBe(recorded.serial);
    // Only the OCSP answers (SHA-1 and SHA-256 CertIDs) were signed on the second delivery.
    expect(w.signatures() - signaturesAfterFirst).toBe(2);
  });

  it('a server-side key lost with a stopped delivery: its recorded certificate is revoked and on the CRL, the job fails', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb' } }, sans: ['DNS:lb.example.org'] });
    const deliver = w.ctx.delivery.deliver;
    w.ctx.delivery.deliver = async () => Promise.reject(new Error('the worker died here'));
    expect(await w.run(job, 1)).toBe('retry');
    w.ctx.delivery.deliver = deliver;
    expect(await w.run(job, 2)).toBe('failed');
    const after = (await w.store.certificates.get(P, cert.id))!;
    expect(after).toMatchObject({ status: 'revoked', revocationReason: 'cessationOfOperation' });
    expect((await w.store.jobs.get(P, job.id))!.reason).toMatch(/KEY_DELIVERY_INTERRUPTED/);
    const crl = (await w.store.crls.get(P, ca.id))!;
    expect(crl.crlNumber).toBeGreaterThan(1);
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: await w.store.crls.der(crl) }).toString();
    expect(text.toLowerCase()).toContain(`serial number: ${normaliseSerialHex(after.serial!)}`);
  });
});
