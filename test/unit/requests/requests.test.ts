import { describe, expect, it } from 'vitest';
import { CreateCaBody, IssueCertificateBody, parseTtl, RegenerateCsrBody } from '../../../lib/requests/index.js';

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
  it.each([
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', 'x\uDC00y'],
    ['a reversed pair', '\uDE00\uD83D'],
    ['a NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control (NEL)', 'a\u0085b'],
  ])('refuses subject strings with %s, in every field and body that takes a subject', (_what, bad) => {
    for (const field of ['CN', 'O', 'OU', 'ST', 'L']) {
      const subject = { CN: 'Root', [field]: `Acme ${bad}` };
      const r = CreateCaBody.safeParse({ subject });
      expect(r.success).toBe(false);
      expect(JSON.stringify(r.error?.issues)).toContain(field);
      expect(RegenerateCsrBody.safeParse({ subject }).success).toBe(false);
      expect(IssueCertificateBody.safeParse({ subject: { [field]: `x ${bad}` } }).success).toBe(false);
    }
  });

  it('takes well-formed Unicode, astral characters included', () => {
    expect(CreateCaBody.parse({ subject: { CN: 'Ünïcödé 🔑 CA', O: 'Ɐcme' } }).subject).toEqual({ CN: 'Ünïcödé 🔑 CA', O: 'Ɐcme' });
  });

  it('leaves an absent TTL to the profile; beyond its maximum is a policy question, beyond 100 years an error', () => {
    expect(IssueCertificateBody.parse({ csr: 'x' }).ttl).toBeUndefined();
    expect(IssueCertificateBody.parse({ csr: 'x' }).profile).toBe('default');
    expect(IssueCertificateBody.parse({ csr: 'x', ttl: '399d' }).ttl).toBe(399 * 86400);
    expect(IssueCertificateBody.safeParse({ csr: 'x', ttl: `${100 * 365 + 1}d` }).success).toBe(false);
  });
});
