import { afterAll, describe, expect, it } from 'vitest';
import { refusalOf } from '../../support/refusal.js';
import { decideIssuance, KEYSTONE_USER_PROFILE } from '../../../lib/ra/index.js';
import { parseCsr } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';

/** The RA on Keystone user certificates: only from a login CA, the subject from the user, never from the CSR. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const now = new Date('2026-12-01T12:00:00Z');
const login = { id: 'login-1', status: 'active' as const, notAfter: '2030-01-01T00:00:00Z', kind: 'login' as const, userCertificates: { defaultTtl: 8 * 3600, maxTtl: 86400 } };
const tenant = { id: 'ca-1', status: 'active' as const, notAfter: '2030-01-01T00:00:00Z' };
const user = { id: 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5', name: 'alice', email: 'Alice@Example.ORG' };
const csr = (key: 'ec256' | 'rsa1024' | 'rsa2048' = 'ec256') => parseCsr(makeCsr(tmp.dir, key, 'admin', ['DNS:admin.example', 'email:admin@example.org']).csr);
const request = (fields: Record<string, unknown> = {}) => ({ csr: csr(), sans: [] as string[], profile: KEYSTONE_USER_PROFILE, keystoneUser: user, ...fields });
const code = refusalOf;

describe('decideIssuance for Keystone user certificates', () => {
  it('makes CN=<name>, UID=<id> and the e-mail from the user, ignoring the CSR’s subject and names; clientAuth and digitalSignature only; 8 hours', () => {
    const d = decideIssuance(login, request(), now);
    expect(d.subject).toEqual({ CN: 'alice', UID: user.id });
    expect(d.sans).toEqual([{ type: 'email', value: 'Alice@example.org' }]);
    expect(d.extKeyUsages).toEqual(['clientAuth']);
    expect(d.keyUsages).toEqual(['digitalSignature']);
    expect(d.ttlSeconds).toBe(8 * 3600);
    expect(d.questions).toEqual({ wildcard: false, ttlOverMax: false });
  });

  it('leaves out an e-mail a certificate cannot carry (Keystone’s email is free text)', () => {
    expect(decideIssuance(login, request({ keystoneUser: { ...user, email: 'not an address' } }), now).sans).toEqual([]);
    expect(decideIssuance(login, request({ keystoneUser: { id: user.id, name: 'bob' } }), now).sans).toEqual([]);
  });

  it('keeps to the CA’s max_ttl and the key rules', () => {
    expect(decideIssuance(login, request({ ttlSeconds: 86400 }), now).ttlSeconds).toBe(86400);
    expect(code(() => decideIssuance(login, request({ ttlSeconds: 86401 }), now))).toMatch(/^400 PROFILE_TTL/);
    expect(code(() => decideIssuance(login, request({ csr: csr('rsa1024') }), now))).toMatch(/^400 /);
  });

  it('refuses a user certificate from a tenant CA, and a login CA anything else', () => {
    expect(code(() => decideIssuance(tenant, request(), now))).toBe('403 USER_CERTIFICATE_NOT_ALLOWED');
    expect(code(() => decideIssuance(tenant, { csr: csr(), sans: [], profile: KEYSTONE_USER_PROFILE }, now))).toBe('403 USER_CERTIFICATE_NOT_ALLOWED');
    // A tenant's own profile named keystone_user is no way in either.
    expect(code(() => decideIssuance({ ...tenant, profiles: {} }, { csr: csr(), sans: [], profile: 'keystone_user' }, now))).toBe('403 USER_CERTIFICATE_NOT_ALLOWED');
    expect(code(() => decideIssuance(login, { csr: csr(), sans: ['DNS:web.example'], profile: 'default' }, now))).toBe('409 LOGIN_CA_USER_CERTIFICATES_ONLY');
    expect(code(() => decideIssuance(login, request({ keystoneUser: undefined }), now))).toBe('409 LOGIN_CA_USER_CERTIFICATES_ONLY');
  });

  it('needs a CSR and no names asked for', () => {
    expect(code(() => decideIssuance(login, request({ csr: undefined, serverSideKey: { keyType: 'EC-P256', subject: { CN: 'x' } } }), now))).toBe('400 CSR_REQUIRED');
    expect(code(() => decideIssuance(login, request({ sans: ['email:admin@example.org'] }), now))).toBe('400 SANS_NOT_ALLOWED');
  });
});
