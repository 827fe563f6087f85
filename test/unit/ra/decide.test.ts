import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../lib/profiles/index.js';
import { decideIssuance, decideSubordinate, ungranted } from '../../../lib/ra/index.js';
import { parseCsr } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';

/** The registration authority, alone: pure decisions from a request, a CA, a profile and a clock. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const now = new Date('2026-12-01T12:00:00.250Z');
const ca = { id: 'ca-1', status: 'active' as const, notAfter: '2027-12-01T00:00:00Z' };
const csrFor = (cn: string, sans: string[]) => parseCsr(makeCsr(tmp.dir, 'ec256', cn, sans).csr);

describe('decideIssuance', () => {
  it('validity is exactly the TTL, starting the profile\'s backdate before the signing second', () => {
    const d = decideIssuance(ca, { csr: csrFor('a.example.org', ['DNS:a.example.org']), sans: [], ttlSeconds: 3600, profile: 'default' }, now);
    expect(d.notBefore.toISOString()).toBe('2026-12-01T11:59:00.000Z');
    expect((d.notAfter.getTime() - d.notBefore.getTime()) / 1000).toBe(3600);
    const noBackdate = decideIssuance({ ...ca, profiles: { default: { ...DEFAULT_PROFILE, backdate: 0 } } }, { csr: csrFor('a.example.org', ['DNS:a.example.org']), sans: [], ttlSeconds: 3600, profile: 'default' }, now);
    expect(noBackdate.notBefore.toISOString()).toBe('2026-12-01T12:00:00.000Z');
  });

  it('never outlives the CA', () => {
    const d = decideIssuance({ ...ca, notAfter: '2026-12-02T00:00:00.500Z' }, { csr: csrFor('a.example.org', ['DNS:a.example.org']), sans: [], ttlSeconds: 30 * 86400, profile: 'default' }, now);
    expect(d.notAfter.toISOString()).toBe('2026-12-02T00:00:00.000Z');
  });

  it('raises policy questions instead of refusing, and says which were not granted', () => {
    const d = decideIssuance(ca, { csr: csrFor('*.example.org', ['DNS:*.example.org']), sans: [], ttlSeconds: 500 * 86400, profile: 'default' }, new Date('2026-01-01T00:00:00Z'));
    expect(d.questions).toEqual({ wildcard: true, ttlOverMax: true });
    expect(ungranted(d.questions, { wildcard: true })).toEqual(['ttlOverMax']);
    expect(ungranted(d.questions, { wildcard: true, ttlOverMax: true })).toEqual([]);
  });

  it('copies only the profile\'s subject fields and merges the requested names with the CSR\'s', () => {
    const d = decideIssuance(ca, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb-1', O: 'Ignored' } }, sans: ['DNS:lb-1.example.org', 'IP:192.0.2.1'], profile: 'default' }, now);
    expect(d.subject).toEqual({ CN: 'lb-1' });
    expect(d.sans).toEqual([{ type: 'dns', value: 'lb-1.example.org' }, { type: 'ip', value: '192.0.2.1' }]);
    expect(d.spkiDer).toBeUndefined();
  });

  it('refuses for a CA that is not active or has expired, and names out of its constraints', () => {
    const req = { csr: csrFor('a.example.org', ['DNS:a.example.org']), sans: [], profile: 'default' };
    expect(() => decideIssuance({ ...ca, status: 'pending' }, req, now)).toThrow(expect.objectContaining({ code: 'CA_NOT_ACTIVE' }));
    expect(() => decideIssuance({ ...ca, notAfter: '2026-11-30T00:00:00Z' }, req, now)).toThrow(expect.objectContaining({ code: 'CA_EXPIRED' }));
    expect(() => decideIssuance({ ...ca, constraintChain: [{ permittedDns: ['other.org'] }] }, req, now)).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_VIOLATION' }));
  });
});

describe('decideSubordinate', () => {
  const parent = { id: 'p', status: 'active' as const, notAfter: '2027-01-01T00:00:00Z' };
  it('gives an intermediate one less than its parent\'s path length, and refuses more', () => {
    expect(decideSubordinate({ ...parent, pathLen: 2 }, undefined, now)).toEqual({ pathLen: 1 });
    expect(decideSubordinate(parent, undefined, now)).toEqual({});
    expect(() => decideSubordinate({ ...parent, pathLen: 1 }, 1, now)).toThrow(expect.objectContaining({ code: 'PATH_LEN_EXCEEDED' }));
    expect(() => decideSubordinate({ ...parent, pathLen: 0 }, undefined, now)).toThrow(expect.objectContaining({ code: 'PATH_LEN_EXCEEDED' }));
    expect(() => decideSubordinate({ ...parent, notAfter: '2026-01-01T00:00:00Z' }, undefined, now)).toThrow(expect.objectContaining({ code: 'CA_EXPIRED' }));
  });
});
