import { afterAll, describe, expect, it } from 'vitest';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

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
