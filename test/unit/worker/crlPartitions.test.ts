import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CaRecord, CertificateRecord } from '../../../lib/store/index.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, openssl, opensslVerdict, revocationUrlsOf, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, publishCrlJob, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * Partitioned CRLs (lib/ca/crlPartitions.ts) through the worker: a leaf names its expiry window's
 * CRL, which exists as soon as the leaf does; revoking re-signs that partition and the full CRL,
 * and openssl accepts each for the leaf (the partition by its IDP, the full one as complete).
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
afterEach(() => {
  delete process.env.CRL_PARTITION_DAYS;
});
const P = 'project-a';
const PUBLIC = 'https://ca.test';
const HOUR = 3_600_000;
const file = (data: string | Buffer) => {
  const p = join(tmp.dir, `${Math.random()}`);
  writeFileSync(p, data);
  return p;
};

async function leaf(w: MemoryWorker, caId: string, cn: string, ttlSeconds: number): Promise<CertificateRecord> {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const { cert, job } = await pendingCertificate(w.store, P, caId, { csrPem: csr, sans: [`DNS:${cn}`], ttlSeconds });
  expect(await w.run(job)).toBe('succeeded');
  return (await w.store.certificates.get(P, cert.id))!;
}

const publish = (w: MemoryWorker, caId: string, params: Record<string, string> = {}) => publishCrlJob(w, P, caId, params);

async function revoke(w: MemoryWorker, c: CertificateRecord) {
  await w.store.certificates.update(P, c.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'keyCompromise' }, ['issued']);
  await publish(w, c.caId, { certificateId: c.id });
}

const nameOf = (c: CertificateRecord) => revocationUrlsOf(c.certificatePem!).crl.split('/').pop()!;
const crlPem = async (w: MemoryWorker, id: string) => openssl(['crl', '-inform', 'DER', '-in', file(await w.store.crls.der((await w.store.crls.get(P, id))!))]);
const crlText = (pem: string) => openssl(['crl', '-noout', '-text'], pem).toLowerCase();
const listed = (pem: string, c: CertificateRecord) => crlText(pem).includes(`serial number: ${normaliseSerialHex(c.serial!)}`);
const verdict = (ca: CaRecord, crl: string, c: CertificateRecord) => opensslVerdict(['verify', '-crl_check', '-CAfile', file(ca.certificatePem!), '-CRLfile', file(crl), file(c.certificatePem!)]);

describe('partitioned CRLs', () => {
  it('a leaf names its expiry window’s CRL, which is published (empty, naming itself) before its job succeeds', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca = await activeRoot(w, P);
    const a = await leaf(w, ca.id, 'a.example.org', 3600);
    const url = revocationUrlsOf(a.certificatePem!).crl;
    expect(url).toMatch(new RegExp(`^${PUBLIC}/v1/public/${P}/cas/${ca.id}/crl/p\\d{8}$`));
    const head = (await w.store.crls.get(P, `${ca.id}.${nameOf(a)}`))!;
    expect(head).toMatchObject({ crlNumber: 1, keyGeneration: 0 });
    expect(Date.parse(head.coversUntil!)).toBeGreaterThanOrEqual(Date.parse(a.notAfter!));
    const pem = await crlPem(w, head.id);
    expect(crlText(pem)).toContain('no revoked certificates');
    expect(crlText(pem)).toMatch(new RegExp(`issuing distribution point: critical\\s+full name:\\s+uri:${url.toLowerCase().replace(/[.]/g, '\\.')}\\n`));
    expect(verdict(ca, pem, a)).toMatch(/: OK/);
    // A second leaf of the same window reads nothing more and signs no CRL.
    const before = w.signatures();
    const b = await leaf(w, ca.id, 'b.example.org', 3600);
    expect(nameOf(b)).toBe(nameOf(a));
    expect(w.signatures() - before).toBe(3); // the leaf and its two OCSP answers
    expect((await w.store.crls.get(P, head.id))!.crlNumber).toBe(1);
  });

  it('revoking a leaf re-signs its partition and the full CRL, not the other partitions; openssl refuses it with either', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca = await activeRoot(w, P);
    const a = await leaf(w, ca.id, 'a.example.org', 3600);
    const far = await leaf(w, ca.id, 'far.example.org', 10 * 86400);
    expect(nameOf(far)).not.toBe(nameOf(a));
    const farNumber = (await w.store.crls.get(P, `${ca.id}.${nameOf(far)}`))!.crlNumber;
    const before = w.signatures();
    await revoke(w, a);
    // Two OCSP answers (SHA-1 and SHA-256 CertIDs), the partition's CRL, the full CRL.
    expect(w.signatures() - before).toBe(4);
    const [part, full] = [await crlPem(w, `${ca.id}.${nameOf(a)}`), await crlPem(w, ca.id)];
    expect([listed(part, a), listed(full, a)]).toEqual([true, true]);
    expect(crlText(full)).not.toContain('issuing distribution point');
    for (const crl of [part, full]) expect(verdict(ca, crl, a)).toMatch(/certificate revoked/);
    // The other window's leaf: not on its partition (not re-signed), still good with its CRL and with the full one.
    expect((await w.store.crls.get(P, `${ca.id}.${nameOf(far)}`))!.crlNumber).toBe(farNumber);
    expect(verdict(ca, await crlPem(w, `${ca.id}.${nameOf(far)}`), far)).toMatch(/: OK/);
    expect(verdict(ca, full, far)).toMatch(/: OK/);
    // openssl refuses another window's partition for it: it covers only the leaves that name it.
    expect(verdict(ca, part, far)).toMatch(/different CRL scope|unable to get certificate CRL/);
  });

  it('the scheduled re-signing renews every partition whose window is open, and leaves ended ones alone', async () => {
    let now = Date.now();
    const w = memoryWorker({ publicUrl: PUBLIC, now: () => new Date(now) });
    const ca = await activeRoot(w, P);
    const soon = await leaf(w, ca.id, 'soon.example.org', 3600);
    const later = await leaf(w, ca.id, 'later.example.org', 5 * 86400);
    const id = (c: CertificateRecord) => `${ca.id}.${nameOf(c)}`;
    const number = async (c: CertificateRecord) => (await w.store.crls.get(P, id(c)))!.crlNumber;
    await publish(w, ca.id, { scope: 'all' });
    expect([await number(soon), await number(later)]).toEqual([2, 2]);
    // Two days on, the first leaf's window has ended: its partition is no longer needed.
    now += 48 * HOUR;
    await publish(w, ca.id, { scope: 'all' });
    expect([await number(soon), await number(later)]).toEqual([2, 3]);
    // Both stay listed (the ended one's last CRL is served until its nextUpdate).
    expect(await w.store.crls.partitions(P, ca.id)).toEqual(expect.arrayContaining([expect.objectContaining({ id: id(soon) }), expect.objectContaining({ id: id(later) })]));
  });

  it('an attempt that failed after `issued` (its partition CRL not written) is completed by the retry: CRL and OCSP answer', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'late.example.org', ['DNS:late.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:late.example.org'], ttlSeconds: 3600 });
    const put = w.store.crls.put;
    const ocspPut = w.store.ocspResponses.put;
    w.store.crls.put = async () => Promise.reject(new Error('the store did not answer'));
    w.store.ocspResponses.put = async () => Promise.reject(new Error('the store did not answer'));
    expect(await w.run(job, 1)).toBe('retry');
    const issued = (await w.store.certificates.get(P, cert.id))!;
    expect(issued.status).toBe('issued');
    expect(await w.store.crls.get(P, `${ca.id}.${nameOf(issued)}`)).toBeUndefined();
    w.store.crls.put = put;
    w.store.ocspResponses.put = ocspPut;
    expect(await w.run(job, 2)).toBe('succeeded');
    const pem = await crlPem(w, `${ca.id}.${nameOf(issued)}`);
    expect(verdict(ca, pem, issued)).toMatch(/: OK/);
    expect((await w.store.ocspResponses.get(P, ca.id, normaliseSerialHex(issued.serial!)))?.status).toBe('good');
  });

  it('with CRL_PARTITION_DAYS=0 a leaf names its generation’s full CRL and no partition is published', async () => {
    process.env.CRL_PARTITION_DAYS = '0';
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca = await activeRoot(w, P);
    const a = await leaf(w, ca.id, 'a.example.org', 3600);
    expect(revocationUrlsOf(a.certificatePem!).crl).toBe(`${PUBLIC}/v1/public/${P}/cas/${ca.id}/crl`);
    expect(await w.store.crls.partitions(P, ca.id)).toEqual([]);
    await revoke(w, a);
    expect(verdict(ca, await crlPem(w, ca.id), a)).toMatch(/certificate revoked/);
  });

  it('a leaf keeps the partition it names when the setting changes before it is revoked', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca = await activeRoot(w, P);
    const a = await leaf(w, ca.id, 'a.example.org', 3600);
    process.env.CRL_PARTITION_DAYS = '0';
    await revoke(w, a);
    expect(listed(await crlPem(w, `${ca.id}.${nameOf(a)}`), a)).toBe(true);
  });
});
