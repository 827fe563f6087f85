import { describe, expect, it } from 'vitest';
import { memoryStore, SEARCH_MAX_EXAMINED, type CertificateFilters, type CertificateRecord, type MemoryStore } from '../../../../lib/store/index.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function cert(n: number, over: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    id: id(n),
    projectId: 'p1',
    createdBy: 'u',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    caId: 'ca1',
    jobId: 'j',
    status: 'pending',
    sans: [`DNS:host${n}.example.org`],
    ttlSeconds: 3600,
    ...over,
  };
}

/** As the worker does: signed fields written, then indexed, then issued. */
async function issue(store: MemoryStore, c: CertificateRecord, serial: string, notAfter: string) {
  const signed = await store.certificates.update(c.projectId, c.id, { serial, notAfter });
  await store.certificates.index(signed);
  await store.certificates.update(c.projectId, c.id, { status: 'issued' });
}

/** Every page of a search, following `next` as a client follows the link. */
async function all(store: MemoryStore, filters: CertificateFilters, limit: number, projectId = 'p1'): Promise<string[]> {
  const out: string[] = [];
  let marker: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store.certificates.search(projectId, filters, limit, marker);
    out.push(...page.items.map((c) => c.id));
    if (!page.next) return out;
    marker = page.next;
  }
  throw new Error('no end');
}

async function seeded(): Promise<MemoryStore> {
  const store = memoryStore();
  for (let n = 1; n <= 6; n++) {
    await store.certificates.create(cert(n, { sans: [`DNS:host${n}.example.org`, `DNS:alt${n}.example.org`, `IP:10.0.0.${n}`], profile: n % 2 ? 'web' : undefined, caId: n <= 3 ? 'ca1' : 'ca2' }));
    if (n <= 5) await issue(store, cert(n), `0${n}:AB`, `2031-0${n}-01T00:00:00.000Z`);
  }
  await store.certificates.update('p1', id(5), { status: 'revoked' });
  await store.certificates.create(cert(9, { projectId: 'p2', sans: ['DNS:host1.example.org'] }));
  return store;
}

describe('memory store search', () => {
  it('by exact SAN (DNS or IP), normalised serial, status, profile, CA and expiry', async () => {
    const store = await seeded();
    expect(await all(store, { san: 'DNS:host2.example.org' }, 10)).toEqual([id(2)]);
    expect(await all(store, { san: 'IP:10.0.0.3' }, 10)).toEqual([id(3)]);
    expect(await all(store, { serial: '03ab' }, 10)).toEqual([id(3)]);
    expect(await all(store, { status: 'revoked' }, 10)).toEqual([id(5)]);
    expect(await all(store, { status: 'pending' }, 10)).toEqual([id(6)]);
    expect(await all(store, { profile: 'default' }, 10)).toEqual([id(2), id(4), id(6)]);
    expect(await all(store, { profile: 'web', caId: 'ca2' }, 10)).toEqual([id(5)]);
    expect(await all(store, { expiresBefore: '2031-03-01T00:00:00.000Z' }, 10)).toEqual([id(1), id(2)]);
    expect(await all(store, { expiresAfter: '2031-03-01T00:00:00.000Z', status: 'issued' }, 10)).toEqual([id(4)]);
  });

  it('by suffix: each certificate once, across pages of any size', async () => {
    const store = await seeded();
    const expected = [1, 2, 3, 4, 5, 6].map(id).sort();
    for (const limit of [1, 2, 3, 10]) expect((await all(store, { sanSuffix: 'example.org' }, limit)).sort()).toEqual(expected);
    expect(await all(store, { sanSuffix: 'org' }, 2)).toHaveLength(6);
    expect(await all(store, { sanSuffix: 'other.org' }, 2)).toEqual([]);
  });

  it('paging by status and expiry gives every match once, in index order', async () => {
    const store = await seeded();
    expect(await all(store, { status: 'issued' }, 1)).toEqual([1, 2, 3, 4].map(id));
    expect(await all(store, { expiresAfter: '2030-01-01T00:00:00.000Z' }, 2)).toEqual([1, 2, 3, 4, 5].map(id));
  });

  it('never finds another project’s certificate, even through a lookup item pointing at it', async () => {
    const store = await seeded();
    expect(await all(store, { san: 'DNS:host1.example.org' }, 10)).toEqual([id(1)]);
    expect(await all(store, { san: 'DNS:host1.example.org' }, 10, 'p2')).toEqual([id(9)]);
    // A forged item in p2 naming p1's certificate 2: it is looked up in p2, where there is none.
    store.raw.set(`SAN|p2|DNS:org.example.host2#${id(2)}`, { projectId: 'p2', certificateId: id(2) });
    expect(await all(store, { san: 'DNS:host2.example.org' }, 10, 'p2')).toEqual([]);
    // A forged item in p1 naming a certificate without that name finds nothing either.
    store.raw.set(`SERIAL|p1|ff#${id(1)}`, { projectId: 'p1', certificateId: id(1) });
    expect(await all(store, { serial: 'ff' }, 10)).toEqual([]);
  });

  it('refuses a marker that is not on the search’s own pages', async () => {
    const store = await seeded();
    await expect(store.certificates.search('p1', { serial: '01ab' }, 1, id(6))).rejects.toMatchObject({ code: 'QUERY_INVALID', status: 400 });
  });

  it('stops after SEARCH_MAX_EXAMINED entries with a next link that resumes where it stopped', async () => {
    const store = memoryStore();
    const many = SEARCH_MAX_EXAMINED + 30;
    for (let n = 1; n <= many; n++) await store.certificates.create(cert(n, { profile: 'bulk', status: n === many ? 'failed' : 'pending' }));
    const first = await store.certificates.search('p1', { profile: 'bulk', status: 'failed' }, 5);
    // status drives (the status index): only the one failed certificate is read.
    expect(first.items.map((c) => c.id)).toEqual([id(many)]);
    const byProfile = await store.certificates.search('p1', { profile: 'bulk', caId: 'ca9' }, 5);
    expect(byProfile.items).toEqual([]);
    expect(byProfile.next).toBeDefined();
    const rest = await store.certificates.search('p1', { profile: 'bulk', caId: 'ca9' }, 5, byProfile.next);
    expect(rest).toEqual({ items: [] });
  });
});
