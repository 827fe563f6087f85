import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CRL_CHUNK_CHARS, ItemTooLargeError, MAX_ITEM_BYTES, type CaRecord, type CertificateRecord } from '../../../lib/store/index.js';
import { itemBytes } from '../../../lib/store/itemSize.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { opensslVerdict, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, publishCrlJob, type MemoryWorker } from '../../support/worker.js';

/**
 * A CA that grows: its CRL outgrows one DynamoDB item (the memory store refuses items over 400 KB,
 * as DynamoDB does) and is stored in chunks; revoking one more certificate reads no other and signs
 * its two OCSP answers and the CRL, whatever the CA's size. openssl reads the chunked CRL back.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';
const DAY = 86_400_000;
const file = (data: string | Buffer) => {
  const p = join(tmp.dir, `${randomUUID()}`);
  writeFileSync(p, data);
  return p;
};

/** `n` certificate records of the CA as the worker would have issued them (no signing: only their records count here). */
async function load(w: MemoryWorker, ca: CaRecord, n: number, status: 'issued' | 'revoked'): Promise<CertificateRecord[]> {
  const now = new Date().toISOString();
  const out: CertificateRecord[] = [];
  for (let i = 0; i < n; i++) {
    const c: CertificateRecord = {
      id: randomUUID(), projectId: P, caId: ca.id, createdBy: 'user-1', createdAt: now, updatedAt: now, jobId: randomUUID(), status, sans: [], ttlSeconds: 86400,
      serial: normaliseSerialHex(`7${randomBytes(15).toString('hex')}`), keyGeneration: 0, notBefore: now, notAfter: new Date(Date.now() + 30 * DAY).toISOString(),
      ...(status === 'revoked' ? { revokedAt: now, revocationReason: 'keyCompromise' as const } : {}),
    };
    await w.store.certificates.create(c);
    out.push(c);
  }
  return out;
}

const publish = (w: MemoryWorker, caId: string, params: Record<string, string> = {}) => publishCrlJob(w, P, caId, params);

/** What POST /revoke does (requestRevocation), then the job it queues, which names the certificate. */
async function revokeOne(w: MemoryWorker, c: CertificateRecord) {
  await w.store.certificates.update(P, c.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'superseded' }, ['issued']);
  await publish(w, c.caId, { certificateId: c.id });
}

const chunkItems = (w: MemoryWorker) => [...w.store.raw.entries()].filter(([k]) => k.startsWith('CRLC|'));

describe('a CA that grows', () => {
  it('the memory store refuses an item over 400 KB, as DynamoDB does', async () => {
    const w = memoryWorker();
    const big = { id: 'x', projectId: P, name: 'x'.repeat(MAX_ITEM_BYTES + 1) } as unknown as CaRecord;
    await expect(w.store.cas.create(big)).rejects.toBeInstanceOf(ItemTooLargeError);
  });

  it('publishes a CRL of 9,000 revocations (over 400 KB of DER) in chunks that openssl reads back whole', { timeout: 120_000 }, async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const revoked = await load(w, ca, 9000, 'revoked');
    const [extra] = await load(w, ca, 1, 'issued');
    // A job of an earlier version (no certificate named): every certificate of the CA is looked at, a page at a time.
    await publish(w, ca.id);

    const head = (await w.store.crls.get(P, ca.id))!;
    expect(head.derBase64).toBeUndefined();
    expect(head.revokedSerials).toBeUndefined();
    expect(head.derChunks!.count).toBeGreaterThan(1);
    const der = await w.store.crls.der(head);
    expect(der.length).toBe(head.derChunks!.size);
    expect(der.length).toBeGreaterThan(MAX_ITEM_BYTES);
    // Every item stays under the limit (the store checked each write); chunks are at most 300 KB.
    for (const [, item] of chunkItems(w)) expect(String(item.derBase64).length).toBeLessThanOrEqual(CRL_CHUNK_CHARS);
    expect(Math.max(...[...w.store.raw.values()].map(itemBytes))).toBeLessThan(MAX_ITEM_BYTES);

    const text = opensslVerdict(['crl', '-inform', 'DER', '-in', file(der), '-noout', '-text', '-verify', '-CAfile', file(ca.certificatePem!)]).toLowerCase();
    expect(text).toContain('verify ok');
    expect(text.match(/serial number:/g)).toHaveLength(9000);
    for (const c of [revoked[0], revoked[4321], revoked[8999]]) expect(text).toContain(`serial number: ${c.serial}`);
    expect((await w.store.ocspResponses.get(P, ca.id, revoked[4321].serial!))!.status).toBe('revoked');
    expect((await w.store.certificates.get(P, revoked[0].id))!.crlRevokedAt).toBeDefined();

    // One more revocation: its two OCSP answers (SHA-1 and SHA-256 CertIDs) and the CRL, nothing else signed.
    const before = w.signatures();
    await revokeOne(w, extra);
    expect(w.signatures() - before).toBe(3);
    const next = (await w.store.crls.get(P, ca.id))!;
    expect(next.crlNumber).toBe(head.crlNumber + 1);
    const nextText = opensslVerdict(['crl', '-inform', 'DER', '-in', file(await w.store.crls.der(next)), '-noout', '-text']).toLowerCase();
    expect(nextText.match(/serial number:/g)).toHaveLength(9001);
    expect(nextText).toContain(`serial number: ${extra.serial}`);
    expect((await w.store.ocspResponses.get(P, ca.id, extra.serial!))!.status).toBe('revoked');
    // The superseded chunks expire (DynamoDB's TTL removes them); the current ones are kept well past their nextUpdate.
    const setOf = (k: string) => k.split('|')[2].split('#')[1];
    for (const [k, item] of chunkItems(w)) {
      if (setOf(k) === head.derChunks!.set) expect(Number(item.ttl)).toBeLessThan(Date.now() / 1000 + 2 * 3600);
      else expect(Number(item.ttl)).toBeGreaterThan(Date.parse(next.nextUpdate) / 1000);
    }
  });

  it('one more revocation signs 2 OCSP answers and the CRL, in a small CA as in a large one', async () => {
    for (const size of [5, 400]) {
      const w = memoryWorker();
      const ca = await activeRoot(w, P);
      await load(w, ca, size, 'revoked');
      const [one] = await load(w, ca, 1, 'issued');
      await publish(w, ca.id);
      const before = w.signatures();
      await revokeOne(w, one);
      expect(w.signatures() - before, `CA of ${size} revocations`).toBe(3);
    }
  });

  it('a CRL record of the earlier format (entries in its head) keeps its entries: they become revocation items once', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const [gone] = await load(w, ca, 1, 'issued');
    // What the earlier version left: the head with its entries, the certificate record gone from the CA (e.g. moved away).
    const k = w.store.keyOf('CRL', P, ca.id);
    const old = w.store.raw.get(k)!;
    w.store.raw.set(k, { ...old, revokedSerials: [{ serial: gone.serial!, revokedAt: '2026-01-02T03:04:05.000Z', reason: 'keyCompromise' }] });
    w.store.raw.delete(w.store.keyOf('CERT', P, gone.id));
    await publish(w, ca.id, { scope: 'all' });
    const head = (await w.store.crls.get(P, ca.id))!;
    expect(head.revokedSerials).toBeUndefined();
    expect((await w.store.revocations.list(P, ca.id, ca.id, 10)).items).toMatchObject([{ serial: gone.serial, crlRevokedAt: '2026-01-02T03:04:05.000Z', crlRevocationReason: 'keyCompromise' }]);
    const text = opensslVerdict(['crl', '-inform', 'DER', '-in', file(await w.store.crls.der(head)), '-noout', '-text']).toLowerCase();
    expect(text).toContain(`serial number: ${gone.serial}`);
    expect(text).toContain('key compromise');
    expect((await w.store.ocspResponses.get(P, ca.id, gone.serial!))!.status).toBe('revoked');
  });

  it('a revocation item without the worker\'s crlRevokedAt (what an UpdateItem of the API could make) is no revocation', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    w.store.raw.set(w.store.keyOf('REV', P, `${ca.id}#01ab`), { projectId: P, id: `${ca.id}#01ab`, revokedAt: new Date().toISOString() });
    await publish(w, ca.id);
    const text = opensslVerdict(['crl', '-inform', 'DER', '-in', file(await w.store.crls.der((await w.store.crls.get(P, ca.id))!)), '-noout', '-text']).toLowerCase();
    expect(text).toContain('no revoked certificates');
  });
});
