import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../lib/profiles/index.js';
import { authorizationTarget, canonicalIdentifier, challengeTypesFor, checkCsrNames, decideAcmeOrder } from '../../../lib/ra/index.js';
import type { ParsedCsr } from '../../../lib/x509/index.js';

/** ACME's side of the RA: identifiers in, the same decision out, nothing added. */
const NOW = new Date('2026-12-01T12:00:00Z');
const CA = { id: 'ca-1', status: 'active' as const, notAfter: '2030-01-01T00:00:00Z', constraintChain: [] };
const NO_GRANTS = { wildcard: false, ttlOverMax: false };
const csr = (commonName: string | undefined, sans: ParsedCsr['sans']) => ({ commonName, sans }) as ParsedCsr;

describe('canonicalIdentifier', () => {
  it('keeps A-labels and canonical IPs', () => {
    expect(canonicalIdentifier({ type: 'dns', value: 'xn--bcher-kva.example.org' })).toEqual({ type: 'dns', value: 'xn--bcher-kva.example.org' });
    expect(canonicalIdentifier({ type: 'ip', value: '2001:db8:0:0::1' })).toEqual({ type: 'ip', value: '2001:db8::1' });
  });
  it('refuses U-labels, upper case, bad types and values rather than converting them', () => {
    expect(() => canonicalIdentifier({ type: 'dns', value: 'bücher.example.org' })).toThrow(/A-labels/);
    expect(() => canonicalIdentifier({ type: 'dns', value: 'Web.Example.org' })).toThrow(/lower case/);
    expect(() => canonicalIdentifier({ type: 'email', value: 'a@b.c' })).toThrow(expect.objectContaining({ code: 'ACME_IDENTIFIER_UNSUPPORTED' }));
    expect(() => canonicalIdentifier({ type: 'dns', value: 42 })).toThrow(expect.objectContaining({ code: 'ACME_IDENTIFIER_INVALID' }));
    expect(() => canonicalIdentifier({ type: 'ip', value: '10.0.0.300' })).toThrow(expect.objectContaining({ code: 'ACME_IDENTIFIER_INVALID' }));
  });
});

describe('challenge types and authorization targets', () => {
  it('wildcards by dns-01 only, on their base name; IPs never by dns-01', () => {
    expect(authorizationTarget({ type: 'dns', value: '*.apps.example.org' })).toEqual({ identifier: { type: 'dns', value: 'apps.example.org' }, wildcard: true });
    expect(challengeTypesFor({ type: 'dns', value: 'apps.example.org' }, true)).toEqual(['dns-01']);
    expect(challengeTypesFor({ type: 'ip', value: '192.0.2.1' }, false)).toEqual(['http-01', 'tls-alpn-01']);
    expect(challengeTypesFor({ type: 'dns', value: 'a.example.org' }, false)).toEqual(['http-01', 'dns-01', 'tls-alpn-01']);
  });
});

describe('checkCsrNames: the CSR names exactly the order (CN folded in)', () => {
  const order = [{ type: 'dns' as const, value: 'a.example.org' }, { type: 'ip' as const, value: '192.0.2.1' }];
  it('accepts the same set, in any order, with the CN one of the names', () => {
    expect(() => checkCsrNames(csr('a.example.org', [{ type: 'ip', value: '192.0.2.1' }, { type: 'dns', value: 'a.example.org' }]), order)).not.toThrow();
    expect(() => checkCsrNames(csr('a.example.org', [{ type: 'ip', value: '192.0.2.1' }]), order)).not.toThrow();
  });
  it('refuses an extra name, a missing name, an email and a free-text CN', () => {
    expect(() => checkCsrNames(csr(undefined, [{ type: 'dns', value: 'a.example.org' }, { type: 'ip', value: '192.0.2.1' }, { type: 'dns', value: 'b.example.org' }]), order)).toThrow(/not in the order: DNS:b.example.org/);
    expect(() => checkCsrNames(csr(undefined, [{ type: 'dns', value: 'a.example.org' }]), order)).toThrow(/missing from the CSR: IP:192.0.2.1/);
    expect(() => checkCsrNames(csr(undefined, [...order.map((o) => ({ ...o })), { type: 'email', value: 'x@example.org' }] as ParsedCsr['sans']), order)).toThrow(/email/);
    expect(() => checkCsrNames(csr('My Server', [{ type: 'dns', value: 'a.example.org' }, { type: 'ip', value: '192.0.2.1' }]), order)).toThrow(/CN "My Server"/);
    expect(() => checkCsrNames(csr('b.example.org', [{ type: 'dns', value: 'a.example.org' }, { type: 'ip', value: '192.0.2.1' }]), order)).toThrow(/not in the order: DNS:b.example.org/);
  });
});

describe('decideAcmeOrder', () => {
  const web = { ...DEFAULT_PROFILE, name: 'web', allow_any_name: false, allowed_domains: ['.apps.example.org'] };
  const ca = { ...CA, profiles: { web } };
  it('refuses each name the profile refuses as its own subproblem, and decides the rest together', () => {
    const out = decideAcmeOrder(ca, [{ type: 'dns', value: 'x.apps.example.org' }, { type: 'dns', value: 'evil.example.com' }, { type: 'dns', value: 'y.example.net' }], 'web', NO_GRANTS, NOW);
    expect('refusals' in out && out.refusals.map((r) => r.identifier.value)).toEqual(['evil.example.com', 'y.example.net']);
    const ok = decideAcmeOrder(ca, [{ type: 'dns', value: 'x.apps.example.org' }], 'web', NO_GRANTS, NOW);
    expect('decision' in ok && ok.decision.sans).toEqual([{ type: 'dns', value: 'x.apps.example.org' }]);
  });
  it('a wildcard is refused unless the account was granted wildcards (by the EAB key\'s minter)', () => {
    const ids = [{ type: 'dns' as const, value: '*.apps.example.org' }];
    const refused = decideAcmeOrder(ca, ids, 'web', NO_GRANTS, NOW);
    expect('refusals' in refused && refused.refusals[0].error.code).toBe('POLICY_NOT_GRANTED');
    expect('decision' in decideAcmeOrder(ca, ids, 'web', { wildcard: true, ttlOverMax: false }, NOW)).toBe(true);
  });
  it('name constraints of the CA path apply', () => {
    const constrained = { ...CA, constraintChain: [{ permittedDns: ['example.org'] }] };
    const out = decideAcmeOrder(constrained, [{ type: 'dns', value: 'a.example.com' }], 'default', NO_GRANTS, NOW);
    expect('refusals' in out && out.refusals[0].error.code).toBe('NAME_CONSTRAINT_VIOLATION');
  });
  it('an inactive CA is not a refusal of a name but of the order', () => {
    expect(() => decideAcmeOrder({ ...CA, status: 'pending' }, [{ type: 'dns', value: 'a.example.org' }], 'default', NO_GRANTS, NOW)).toThrow(expect.objectContaining({ code: 'CA_NOT_ACTIVE' }));
  });
});
