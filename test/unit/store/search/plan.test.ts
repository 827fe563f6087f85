import { describe, expect, it } from 'vitest';
import type { CertificateRecord } from '../../../../lib/store/index.js';
import { pointerSortKeys, reverseLabels, sanIndexValue } from '../../../../lib/store/search/entries.js';
import { inRange, matchesFilters, planSearch } from '../../../../lib/store/search/plan.js';

const cert = (over: Partial<CertificateRecord> = {}): CertificateRecord => ({
  id: '00000000-0000-4000-8000-000000000001',
  projectId: 'p1',
  createdBy: 'u',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  caId: 'ca1',
  jobId: 'j',
  status: 'issued',
  sans: ['DNS:www.example.org', 'DNS:api.example.org', 'IP:10.0.0.1'],
  ttlSeconds: 3600,
  serial: '00AB:CD',
  notAfter: '2031-06-01T00:00:00.000Z',
  ...over,
});

describe('lookup keys', () => {
  it('reverse DNS labels (a suffix becomes a prefix), IPs and emails as they are', () => {
    expect(reverseLabels('www.example.org')).toBe('org.example.www');
    expect(sanIndexValue('DNS:*.example.org')).toBe('DNS:org.example.*');
    expect(sanIndexValue('IP:10.0.0.1')).toBe('IP:10.0.0.1');
    expect(sanIndexValue('email:a@example.org')).toBe('email:a@example.org');
  });

  it('one item per name, the normalised serial, notAfter and profile (default when absent), all ending in the certificate id', () => {
    const id = cert().id;
    expect(pointerSortKeys(cert())).toEqual([
      `SAN#DNS:org.example.www#${id}`,
      `SAN#DNS:org.example.api#${id}`,
      `SAN#IP:10.0.0.1#${id}`,
      `SERIAL#abcd#${id}`,
      `NOTAFTER#2031-06-01T00:00:00.000Z#${id}`,
      `PROFILE#default#${id}`,
    ]);
    expect(pointerSortKeys(cert({ serial: undefined, notAfter: undefined, profile: 'web' })).filter((k) => !k.startsWith('SAN#'))).toEqual([`PROFILE#web#${id}`]);
  });
});

describe('planSearch', () => {
  it('starts from the most selective filter, always within the project', () => {
    expect(planSearch('p1', { serial: 'abcd', san: 'DNS:www.example.org', status: 'issued' }).driver).toMatchObject({ index: 'pointer', partition: 'P#p1', range: { prefix: 'SERIAL#abcd#' } });
    expect(planSearch('p1', { san: 'DNS:www.example.org' }).driver.range).toEqual({ prefix: 'SAN#DNS:org.example.www#' });
    expect(planSearch('p1', { sanSuffix: 'example.org' }).driver.range).toEqual({ prefix: 'SAN#DNS:org.example.' });
    expect(planSearch('p1', { expiresAfter: '2031-01-01T00:00:00.000Z' }).driver.range).toEqual({ from: 'NOTAFTER#2031-01-01T00:00:00.000Z', to: 'NOTAFTER#~' });
    expect(planSearch('p1', { status: 'revoked', profile: 'web' }).driver).toMatchObject({ index: 'status', partition: 'P#p1#STATUS#revoked' });
    expect(planSearch('p1', { profile: 'web', caId: 'ca1' }).driver.range).toEqual({ prefix: 'PROFILE#web#' });
    expect(planSearch('p1', { caId: 'ca1' }).driver).toMatchObject({ index: 'ca', partition: 'P#p1#CA#ca1' });
  });

  it('a certificate sits at its first name under a suffix (listed once), nowhere in a range it has no key in', () => {
    const suffix = planSearch('p1', { sanSuffix: 'example.org' }).driver;
    expect(suffix.position(cert())).toBe(`SAN#DNS:org.example.api#${cert().id}`);
    expect(suffix.position(cert({ sans: ['DNS:example.org'] }))).toBeUndefined();
    const expiry = planSearch('p1', { expiresBefore: '2031-01-01T00:00:00.000Z' }).driver;
    expect(expiry.position(cert())).toBeUndefined();
    expect(inRange(expiry.range, `NOTAFTER#2030-12-31T00:00:00.000Z#x`)).toBe(true);
  });

  it('checks every filter on the certificate itself', () => {
    expect(matchesFilters(cert(), { sanSuffix: 'example.org', serial: 'abcd', status: 'issued', caId: 'ca1', profile: 'default' })).toBe(true);
    expect(matchesFilters(cert({ sans: ['DNS:example.org'] }), { sanSuffix: 'example.org' })).toBe(false);
    expect(matchesFilters(cert({ sans: ['DNS:notexample.org'] }), { sanSuffix: 'example.org' })).toBe(false);
    expect(matchesFilters(cert(), { san: 'DNS:www.example.org', caId: 'ca2' })).toBe(false);
    expect(matchesFilters(cert(), { expiresAfter: '2031-06-01T00:00:00.000Z' })).toBe(false);
    expect(matchesFilters(cert(), { expiresBefore: '2031-06-01T00:00:00.001Z', expiresAfter: '2031-05-31T23:59:59.999Z' })).toBe(true);
    expect(matchesFilters(cert({ notAfter: undefined }), { expiresBefore: '2040-01-01T00:00:00.000Z' })).toBe(false);
  });
});
