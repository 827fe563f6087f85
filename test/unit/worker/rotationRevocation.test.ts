import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainPemsOf } from '../../../lib/ca/index.js';
import { newJob } from '../../../lib/jobs/index.js';
import type { CaRecord, CertificateRecord } from '../../../lib/store/index.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, openssl, opensslVerdict, revocationUrlsOf, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, rotationJob, signedThenDied, type MemoryWorker } from '../../support/worker.js';

/**
 * Revocation across rotations, on the in-memory store: every key generation of a CA signs its own
 * CRL and the OCSP answers for what it signed, until its certificate expires. openssl judges.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';
const PUBLIC = 'https://ca.test';
const DAY = 86_400_000;
const file = (data: string | Buffer) => {
  const p = join(tmp.dir, `${Math.random()}`);
  writeFileSync(p, data);
  return p;
};

async function leaf(w: MemoryWorker, caId: string, cn: string): Promise<CertificateRecord> {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const { cert, job } = await pendingCertificate(w.store, P, caId, { csrPem: csr, sans: [`DNS:${cn}`], ttlSeconds: 3600 });
  expect(await w.run(job)).toBe('succeeded');
  return (await w.store.certificates.get(P, cert.id))!;
}

async function publish(w: MemoryWorker, caId: string, scope?: 'all') {
  const job = newJob('crl.publish', P, 'user-1', { caId, ...(scope ? { scope } : {}) });
  await w.store.jobs.create(job);
  expect(await w.run(job)).toBe('succeeded');
}

/** What POST /revoke does, then the job it queues. */
async function revoke(w: MemoryWorker, ...certs: CertificateRecord[]) {
  for (const c of certs) await w.store.certificates.update(P, c.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'keyCompromise' }, ['issued']);
  await publish(w, certs[0].caId);
}

async function rotate(w: MemoryWorker, caId: string): Promise<CaRecord> {
  expect(await w.run(await rotationJob(w, P, caId))).toBe('succeeded');
  return (await w.store.cas.get(P, caId))!;
}

/** A CRL record as openssl reads it (PEM and text), its signature checked against `issuerPem` alone. */
async function crlOf(w: MemoryWorker, id: string, issuerPem: string) {
  const record = (await w.store.crls.get(P, id))!;
  const der = file(await w.store.crls.der(record));
  return { record, pem: openssl(['crl', '-inform', 'DER', '-in', der]), text: opensslVerdict(['crl', '-inform', 'DER', '-in', der, '-noout', '-text', '-verify', '-CAfile', file(issuerPem)]).toLowerCase() };
}

const listed = (text: string, c: CertificateRecord) => text.includes(`serial number: ${normaliseSerialHex(c.serial!)}`);

/** `openssl verify -crl_check` of a leaf with only `trusted` (and `untrusted`) and one CRL. */
const crlVerdict = (trusted: string, untrusted: string[], crlPem: string, leafPem: string) =>
  opensslVerdict(['verify', '-crl_check', '-CAfile', file(trusted), ...(untrusted.length ? ['-untrusted', file(untrusted.join('\n'))] : []), '-CRLfile', file(crlPem), file(leafPem)]);

/** A certificate's stored OCSP answer as `openssl ocsp -respin` judges it, for `issuerPem`'s CertID, trusting `trusted`. */
async function ocspOf(w: MemoryWorker, caId: string, c: CertificateRecord, issuerPem: string, trusted: string, hash: 'sha1' | 'sha256') {
  const record = (await w.store.ocspResponses.get(P, caId, normaliseSerialHex(c.serial!)))!;
  const der = Buffer.from(hash === 'sha256' ? record.derSha256Base64! : record.derBase64, 'base64');
  return { record, text: opensslVerdict(['ocsp', '-respin', file(der), `-${hash}`, '-issuer', file(issuerPem), '-cert', file(c.certificatePem!), '-CAfile', file(trusted), '-no_nonce']) };
}

describe('a rotated root', () => {
  it('has each key sign the CRL and OCSP answers of what it signed; each CRL under numbers of its own', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca0 = await activeRoot(w, P);
    const [a, kept] = [await leaf(w, ca0.id, 'a.example.org'), await leaf(w, ca0.id, 'kept.example.org')];
    const numberBefore = (await w.store.crls.get(P, ca0.id))!.crlNumber;
    const ca1 = await rotate(w, ca0.id);
    const b = await leaf(w, ca0.id, 'b.example.org');
    await revoke(w, a, b);

    const base = `${PUBLIC}/v1/public/${P}/cas/${ca0.id}`;
    // Each leaf names its generation's partition for its expiry window (lib/ca/crlPartitions.ts).
    const [ua, ub] = [revocationUrlsOf(a.certificatePem!), revocationUrlsOf(b.certificatePem!)];
    expect(ua).toEqual({ crl: expect.stringMatching(new RegExp(`^${base}/crl/p\\d{8}$`)), ocsp: `${base}/ocsp` });
    expect(ub).toEqual({ crl: expect.stringMatching(new RegExp(`^${base}/crl/g1\\.p\\d{8}$`)), ocsp: `${base}/ocsp` });
    const [pa, pb] = [await crlOf(w, `${ca0.id}.${ua.crl.split('/').pop()}`, ca0.certificatePem!), await crlOf(w, `${ca0.id}.${ub.crl.split('/').pop()}`, ca1.certificatePem!)];
    expect([listed(pa.text, a), listed(pa.text, b), listed(pb.text, a), listed(pb.text, b)]).toEqual([true, false, false, true]);
    expect(pb.text).toContain(`uri:${ub.crl}\n`);
    // The generations' full CRLs list them too.
    const [old, fresh] = [await crlOf(w, ca0.id, ca0.certificatePem!), await crlOf(w, `${ca0.id}.g1`, ca1.certificatePem!)];
    for (const crl of [old, fresh]) expect(crl.text).toContain('verify ok');
    expect([listed(old.text, a), listed(old.text, b), listed(fresh.text, a), listed(fresh.text, b)]).toEqual([true, false, false, true]);
    // A partition names itself (issuing distribution point), as its certificates do; a full CRL is complete for its key (no IDP).
    for (const crl of [old, fresh]) expect(crl.text).not.toContain('issuing distribution point');
    expect(pa.text).toContain(`uri:${ua.crl}\n`);
    // The old key's numbers go on (rotation, revocation); the new key's start at 1 (rotation, revocation).
    expect(old.record).toMatchObject({ keyGeneration: 0, crlNumber: numberBefore + 2 });
    expect(fresh.record).toMatchObject({ keyGeneration: 1, crlNumber: 2 });
    expect(crlVerdict(ca0.certificatePem!, [], old.pem, a.certificatePem!)).toMatch(/certificate revoked/);
    expect(crlVerdict(ca1.certificatePem!, [], fresh.pem, b.certificatePem!)).toMatch(/certificate revoked/);
    expect(crlVerdict(ca0.certificatePem!, [ca1.crossCertificatePem!], fresh.pem, b.certificatePem!)).toMatch(/certificate revoked/);
    expect(crlVerdict(ca0.certificatePem!, [], old.pem, kept.certificatePem!)).toMatch(/: OK/);

    for (const hash of ['sha1', 'sha256'] as const) {
      for (const [c, issuer, generation] of [[a, ca0.certificatePem!, 0], [b, ca1.certificatePem!, 1]] as const) {
        const answer = await ocspOf(w, ca0.id, c, issuer, issuer, hash);
        expect(answer.record.keyGeneration).toBe(generation);
        expect(answer.text, hash).toContain('Response verify OK');
        expect(answer.text, hash).toMatch(/: revoked/);
      }
    }
    // Each leaf's chain is its own key's.
    expect(chainPemsOf(ca1, a)).toEqual([ca0.certificatePem]);
    expect(chainPemsOf(ca1, b)).toEqual([ca1.certificatePem]);
  });

  it('is re-signed on schedule through the new key\'s CRL alone, which re-signs both keys\' CRLs and answers', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca0 = await activeRoot(w, P);
    const kept = await leaf(w, ca0.id, 'kept.example.org');
    await rotate(w, ca0.id);
    // One refresh entry per CA: the old key's CRL, written whole, lost its own.
    expect([...w.store.crlRefreshes.keys()]).toEqual([w.store.keyOf('CRL', P, `${ca0.id}.g1`)]);
    const [before0, before1] = [(await w.store.crls.get(P, ca0.id))!.crlNumber, (await w.store.crls.get(P, `${ca0.id}.g1`))!.crlNumber];
    const answered = (await w.store.ocspResponses.get(P, ca0.id, normaliseSerialHex(kept.serial!)))!.thisUpdate;
    await new Promise((r) => setTimeout(r, 5));
    await publish(w, ca0.id, 'all');
    expect((await w.store.crls.get(P, ca0.id))!.crlNumber).toBe(before0 + 1);
    expect((await w.store.crls.get(P, `${ca0.id}.g1`))!.crlNumber).toBe(before1 + 1);
    const again = await ocspOf(w, ca0.id, kept, ca0.certificatePem!, ca0.certificatePem!, 'sha1');
    expect(again.record.thisUpdate > answered).toBe(true);
    expect(again.record.keyGeneration).toBe(0);
    expect(again.text).toContain('Response verify OK');
    expect(again.text).toMatch(/: good/);
  });

  it('keeps every generation\'s CRL apart over two rotations (its certificates telling which key signed them); the unsuffixed URL stays the first key\'s', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const cas = [await activeRoot(w, P)];
    const leaves = [await leaf(w, cas[0].id, 'g0.example.org')];
    for (const n of [1, 2]) {
      cas.push(await rotate(w, cas[0].id));
      leaves.push(await leaf(w, cas[0].id, `g${n}.example.org`));
    }
    expect(cas[2].previousGenerations!.map((g) => g.generation)).toEqual([1, 0]);
    expect(leaves.map((l) => l.keyGeneration)).toEqual([0, 1, 2]);
    // As records signed before the generation was recorded with them: their certificates tell.
    for (const l of leaves) delete w.store.raw.get(w.store.keyOf('CERT', P, l.id))!.keyGeneration;
    await revoke(w, ...leaves);
    for (const [n, c] of leaves.entries()) {
      const name = n ? `.g${n}` : '';
      expect(revocationUrlsOf(c.certificatePem!).crl).toMatch(new RegExp(`^${PUBLIC}/v1/public/${P}/cas/${cas[0].id}/crl/${n ? `g${n}\\.` : ''}p\\d{8}$`));
      const crl = await crlOf(w, `${cas[0].id}${name}`, cas[n].certificatePem!);
      expect(crl.text).toContain('verify ok');
      expect(leaves.map((l) => listed(crl.text, l))).toEqual(leaves.map((_, i) => i === n));
      expect(chainPemsOf(cas[2], c)).toEqual([cas[n].certificatePem]);
    }
  });

  it('stops signing for a generation once its certificate has expired (nothing it signed is valid), and the next rotation drops it', async () => {
    const t0 = Date.now();
    let now = t0;
    const w = memoryWorker({ publicUrl: PUBLIC, now: () => new Date(now) });
    const ca0 = await activeRoot(w, P, { validityDays: 2 });
    now = t0 + 1.5 * DAY;
    await rotate(w, ca0.id);
    now = t0 + 2.5 * DAY;
    const before = (await w.store.crls.get(P, ca0.id))!.crlNumber;
    const signatures = w.signatures();
    await publish(w, ca0.id, 'all');
    expect((await w.store.crls.get(P, ca0.id))!.crlNumber).toBe(before);
    expect(w.signatures() - signatures).toBe(1); // the new key's CRL alone
    const ca2 = await rotate(w, ca0.id);
    expect(ca2.previousGenerations!.map((g) => g.generation)).toEqual([1]);
  });

  it('a delivery resumed after a rotation has the OCSP answer signed by the key that signed the certificate', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const ca0 = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'resumed.example.org', ['DNS:resumed.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca0.id, { csrPem: csr, sans: ['DNS:resumed.example.org'] });
    // Signed and recorded by the old key (as workers before the single write left it); not issued.
    const real = w.store.certificates.updateClaimed;
    w.store.certificates.updateClaimed = signedThenDied(real);
    expect(await w.run(job, 1)).toBe('retry');
    w.store.certificates.updateClaimed = real;
    await rotate(w, ca0.id);
    expect(await w.run(job, 2)).toBe('succeeded');
    const done = (await w.store.certificates.get(P, cert.id))!;
    const answer = await ocspOf(w, ca0.id, done, ca0.certificatePem!, ca0.certificatePem!, 'sha1');
    expect(answer.record.keyGeneration).toBe(0);
    expect(answer.text).toContain('Response verify OK');
  });
});

describe('a rotated intermediate', () => {
  it('has each key sign for what it signed, each leaf chaining through its own key\'s certificate to the root that signed it', async () => {
    const w = memoryWorker({ publicUrl: PUBLIC });
    const root0 = await activeRoot(w, P);
    const int0 = await activeRoot(w, P, { parentId: root0.id });
    const a = await leaf(w, int0.id, 'a.apps.example.org');
    // The parent rotates first: the intermediate's new certificate is signed by the parent's new key.
    const root1 = await rotate(w, root0.id);
    const int1 = await rotate(w, int0.id);
    expect(int1.crossCertificatePem).toBeUndefined();
    expect(int1.chainPem).toEqual([root1.certificatePem]);
    expect(int1.previousGenerations).toMatchObject([{ generation: 0, certificatePem: int0.certificatePem, chainPem: [root0.certificatePem] }]);
    const b = await leaf(w, int0.id, 'b.apps.example.org');
    await revoke(w, a, b);

    expect(revocationUrlsOf(b.certificatePem!).crl).toMatch(new RegExp(`^${PUBLIC}/v1/public/${P}/cas/${int0.id}/crl/g1\\.p\\d{8}$`));
    const [old, fresh] = [await crlOf(w, int0.id, int0.certificatePem!), await crlOf(w, `${int0.id}.g1`, int1.certificatePem!)];
    expect([listed(old.text, a), listed(old.text, b), listed(fresh.text, a), listed(fresh.text, b)]).toEqual([true, false, false, true]);
    expect(chainPemsOf(int1, a)).toEqual([int0.certificatePem, root0.certificatePem]);
    expect(chainPemsOf(int1, b)).toEqual([int1.certificatePem, root1.certificatePem]);
    expect(crlVerdict(root0.certificatePem!, [int0.certificatePem!], old.pem, a.certificatePem!)).toMatch(/certificate revoked/);
    expect(crlVerdict(root1.certificatePem!, [int1.certificatePem!], fresh.pem, b.certificatePem!)).toMatch(/certificate revoked/);
    for (const [c, issuer, trusted] of [[a, int0.certificatePem!, root0.certificatePem!], [b, int1.certificatePem!, root1.certificatePem!]] as const) {
      const answer = await ocspOf(w, int0.id, c, issuer, `${issuer}\n${trusted}`, 'sha256');
      expect(answer.text).toContain('Response verify OK');
      expect(answer.text).toMatch(/: revoked/);
    }
  });
});
