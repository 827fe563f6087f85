import { afterAll, describe, expect, it } from 'vitest';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, signedThenDied } from '../../support/worker.js';

/** What the worker writes for search once it signed: serial and expiry lookup items, the status. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('an issued certificate is searchable', () => {
  it('by serial (any spelling normalised), expiry, status and names, from the items the worker wrote', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'web.example.org', ['DNS:web.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:web.example.org'], ttlSeconds: 3600 });
    expect((await w.store.certificates.search(P, { serial: 'ab' }, 10)).items).toEqual([]);
    expect(await w.run(job)).toBe('succeeded');
    const issued = (await w.store.certificates.get(P, cert.id))!;
    const serial = issued.serial!.replace(/^(00)+/, '').toLowerCase();
    const found = async (f: Parameters<typeof w.store.certificates.search>[1]) => (await w.store.certificates.search(P, f, 10)).items.map((c) => c.id);
    expect(await found({ serial })).toEqual([cert.id]);
    expect(await found({ expiresBefore: new Date(Date.parse(issued.notAfter!) + 1000).toISOString() })).toEqual([cert.id]);
    expect(await found({ expiresAfter: issued.notAfter! })).toEqual([]);
    expect(await found({ status: 'issued', sanSuffix: 'example.org' })).toEqual([cert.id]);
    expect(await found({ status: 'pending' })).toEqual([]);
    expect((await w.store.certificates.search('project-b', { serial }, 10)).items).toEqual([]);
  });
});

/**
 * The API indexes a request's names and profile before it writes the record (certificates.create),
 * so a first attempt writes only what signing adds; a retry or a resumed record writes them all
 * again, repairing a certificate an older writer left without them.
 */
describe('the worker writes the lookup items signing adds', () => {
  const names = (w: ReturnType<typeof memoryWorker>, id: string) => [...w.store.raw.keys()].filter((k) => /^(SAN|PROFILE)\|/.test(k) && k.endsWith(`#${id}`));
  const dropNames = (w: ReturnType<typeof memoryWorker>, id: string) => names(w, id).forEach((k) => w.store.raw.delete(k));
  const spyIndex = (w: ReturnType<typeof memoryWorker>) => {
    const kinds: Array<readonly string[] | undefined> = [];
    const real = w.store.certificates.index;
    w.store.certificates.index = async (c, k) => (kinds.push(k), real(c, k));
    return kinds;
  };

  it('a first attempt writes serial and notAfter only; the names and profile the request indexed stay searchable', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'first.example.org', ['DNS:first.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:first.example.org'], ttlSeconds: 3600 });
    const kinds = spyIndex(w);
    expect(await w.run(job)).toBe('succeeded');
    expect(kinds).toEqual([['SERIAL', 'NOTAFTER']]);
    expect((await w.store.certificates.search(P, { san: 'DNS:first.example.org' }, 10)).items.map((c) => c.id)).toEqual([cert.id]);
    expect((await w.store.certificates.search(P, { profile: 'default' }, 10)).items.map((c) => c.id)).toEqual([cert.id]);
  });

  it('a retry writes every lookup item again', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'retry.example.org', ['DNS:retry.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:retry.example.org'], ttlSeconds: 3600 });
    dropNames(w, cert.id);
    // The first attempt failed before it signed (a transient failure): the job counts it.
    const real = w.store.cas.get;
    w.store.cas.get = async () => Promise.reject(new Error('the store did not answer'));
    expect(await w.run(job, 1)).toBe('retry');
    w.store.cas.get = real;
    expect(await w.run((await w.store.jobs.get(P, job.id))!, 2)).toBe('succeeded');
    expect(names(w, cert.id)).toHaveLength(2);
    expect((await w.store.certificates.search(P, { san: 'DNS:retry.example.org' }, 10)).items.map((c) => c.id)).toEqual([cert.id]);
  });

  it('a record an earlier delivery signed is indexed whole when resumed', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'resumed.example.org', ['DNS:resumed.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:resumed.example.org'], ttlSeconds: 3600 });
    dropNames(w, cert.id);
    w.store.certificates.updateClaimed = signedThenDied(w.store.certificates.updateClaimed);
    // The retry of a record signed and kept, not issued (signedThenDied): it resumes.
    expect(await w.run(job, 1)).toBe('retry');
    const kinds = spyIndex(w);
    expect(await w.run(job, 2)).toBe('succeeded');
    expect(kinds).toEqual([undefined]);
    expect((await w.store.certificates.search(P, { san: 'DNS:resumed.example.org' }, 10)).items.map((c) => c.id)).toEqual([cert.id]);
  });
});
