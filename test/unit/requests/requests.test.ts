import { describe, expect, it } from 'vitest';
import { CreateCaBody, IssueCertificateBody, parseTtl } from '../../../lib/requests/index.js';

describe('parseTtl', () => {
  it.each([
    [3600, 3600],
    ['3600', 3600],
    ['90s', 90],
    ['15m', 900],
    ['720h', 2_592_000],
    ['30d', 2_592_000],
  ])('%s -> %s seconds', (input, seconds) => expect(parseTtl(input)).toBe(seconds));
  it.each([[0], [-5], [1.5], ['1w'], ['h'], [''], ['0h']])('refuses %s', (input) => expect(parseTtl(input)).toBeUndefined());
});

describe('request bodies', () => {
  it('fills CA defaults', () => {
    expect(CreateCaBody.parse({ subject: { CN: 'Root' } })).toMatchObject({ key_type: 'EC-P256', validity_days: 3650 });
  });
  it('refuses a bad country code and control characters', () => {
    expect(CreateCaBody.safeParse({ subject: { CN: 'Root', C: 'France' } }).success).toBe(false);
    expect(CreateCaBody.safeParse({ subject: { CN: 'Ro\u0000ot' } }).success).toBe(false);
  });
  it('leaves an absent TTL to the profile; beyond its maximum is a policy question, beyond 100 years an error', () => {
    expect(IssueCertificateBody.parse({ csr: 'x' }).ttl).toBeUndefined();
    expect(IssueCertificateBody.parse({ csr: 'x' }).profile).toBe('default');
    expect(IssueCertificateBody.parse({ csr: 'x', ttl: '399d' }).ttl).toBe(399 * 86400);
    expect(IssueCertificateBody.safeParse({ csr: 'x', ttl: `${100 * 365 + 1}d` }).success).toBe(false);
  });
});
