import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/** GET /v1/certificates filters: each served from an index, paged, within the caller's project. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const base = `s${Math.random().toString(36).slice(2, 8)}.example.org`;
let admin: string;
let other: string;
let bob: string;
let ca: any;
const certs: Record<string, any> = {};

async function issue(token: string, caId: string, names: string[], ttl: string, profile?: string) {
  const { csr } = makeCsr(tmp.dir, 'ec256', names[0].replace(/^(DNS|IP):/, ''), names);
  const res = await api('POST', `/v1/cas/${caId}/certificates`, { token, body: { csr, ttl, ...(profile ? { profile } : {}) } });
  expect(res.status).toBe(202);
  await waitForJob(token, res.body.job.id);
  return (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token })).body.certificate;
}

/** Every certificate id of a search, following `next` links; also how many pages it took. */
async function search(token: string, query: string, limit = 50): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let path: string | undefined = `/v1/certificates?${query}&limit=${limit}`;
  let pages = 0;
  while (path && pages < 20) {
    const answer: { status: number; body: any } = await api('GET', path, { token });
    const { status, body } = answer;
    expect(status).toBe(200);
    pages++;
    ids.push(...body.certificates.map((c: any) => c.id));
    const next: string | undefined = body.certificates_links.find((l: any) => l.rel === 'next')?.href;
    path = next ? new URL(next).pathname + new URL(next).search : undefined;
  }
  return { ids, pages };
}
const ids = async (token: string, query: string) => (await search(token, query)).ids.sort();
const of = (...names: string[]) => names.map((n) => certs[n].id).sort();

beforeAll(async () => {
  // `other`: the same user in another project (project admin), with a certificate of the same name.
  [admin, other, bob] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('admin', 'secret', 'admin'), keystoneToken('bob', 'bpass2', 'tenant-b')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Search Root' } });
  const profile = await api('PUT', `/v1/cas/${ca.id}/profiles/srch`, { token: admin, body: { allowed_domains: [`.${base}`], ext_key_usages: ['server_auth'], key_types: ['EC'], max_ttl: 7 * 86400, copy_subject_fields: ['CN'] } });
  expect(profile.status).toBe(201);
  certs.one = await issue(admin, ca.id, [`DNS:a.${base}`, `DNS:b.${base}`], '24h');
  certs.two = await issue(admin, ca.id, [`DNS:c.${base}`, 'IP:192.0.2.77'], '48h');
  certs.three = await issue(admin, ca.id, [`DNS:d.${base}`], '72h', 'srch');
  certs.four = await issue(admin, ca.id, [`DNS:e.other-${base}`], '96h');
  expect((await api('POST', `/v1/certificates/${certs.two.id}/revoke`, { token: admin, body: {} })).status).toBe(200);
  const otherCa = await createActiveCa(other, { subject: { CN: 'Other Search Root' } });
  certs.others = await issue(other, otherCa.id, [`DNS:a.${base}`], '24h');
}, 120_000);

describe('searching certificates', () => {
  it('by exact name, DNS or IP, within the caller’s project only', async () => {
    expect(await ids(admin, `san=a.${base}`)).toEqual(of('one'));
    expect(await ids(admin, `san=DNS:B.${base.toUpperCase()}`)).toEqual(of('one'));
    expect(await ids(admin, 'san=192.0.2.77')).toEqual(of('two'));
    expect(await ids(other, `san=a.${base}`)).toEqual(of('others'));
    expect(await ids(other, 'san=192.0.2.77')).toEqual([]);
    expect(await ids(bob, `san_suffix=${base}`)).toEqual([]);
  });

  it('by suffix, each certificate once, across pages of one', async () => {
    const { ids: found, pages } = await search(admin, `san_suffix=${base}`, 1);
    expect(found.sort()).toEqual(of('one', 'two', 'three'));
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(await ids(admin, `san_suffix=other-${base}`)).toEqual(of('four'));
  });

  it('by serial in any case, with colons', async () => {
    const colons = certs.three.serial.toUpperCase().match(/.{1,2}/g).join(':');
    expect(await ids(admin, `serial=${colons}`)).toEqual(of('three'));
    expect(await ids(other, `serial=${colons}`)).toEqual([]);
    expect(await ids(bob, `status=issued`)).toEqual([]);
  });

  it('by status, profile and expiry, combined with each other and with ca_id', async () => {
    expect(await ids(admin, `status=revoked&san_suffix=${base}`)).toEqual(of('two'));
    expect(await ids(admin, `status=issued&ca_id=${ca.id}`)).toEqual(of('one', 'three', 'four'));
    expect(await ids(admin, `profile=srch`)).toEqual(of('three'));
    const at = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    expect(await ids(admin, `expires_before=${at(60)}&ca_id=${ca.id}`)).toEqual(of('one', 'two'));
    expect(await ids(admin, `expires_after=${at(60)}&expires_before=${at(84)}&ca_id=${ca.id}`)).toEqual(of('three'));
    const { ids: byExpiry, pages } = await search(admin, `expires_after=${at(1)}&ca_id=${ca.id}`, 2);
    expect(byExpiry).toEqual([certs.one, certs.two, certs.three, certs.four].map((c) => c.id));
    expect(pages).toBe(2);
  });

  it('400 QUERY_INVALID, naming what to fix, for a filter that cannot match', async () => {
    for (const q of ['san=not%20a%20name!', 'san_suffix=*.*.x.org', 'serial=xyz', 'status=valid', 'expires_before=tomorrow', 'expires_after=2031-02-30', 'profile=Bad!', 'expires_after=2031-01-01&expires_before=2030-01-01']) {
      const { status, body } = await api('GET', `/v1/certificates?${q}`, { token: admin });
      expect(status, q).toBe(400);
      expect(body.error.code, q).toBe('QUERY_INVALID');
      expect(body.error.message, q).toMatch(/"(san|san_suffix|serial|status|expires_before|expires_after|profile)"/);
    }
  });
});
