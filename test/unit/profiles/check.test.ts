import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors/index.js';
import { DEFAULT_PROFILE, Profile, checkIssuance, subjectFromAttributes, type IssuanceRequest, type ProfileInput } from '../../../lib/profiles/index.js';
import type { San } from '../../../lib/x509/index.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const DAY = 86400;

const profile = (p: Partial<ProfileInput> = {}) =>
  Profile.parse({ name: 'web', allowed_domains: ['example.org', '.svc.example.org', 'host-*.example.net'], ...p });

const dns = (value: string): San => ({ type: 'dns', value });
const ip = (value: string): San => ({ type: 'ip', value });
const email = (value: string): San => ({ type: 'email', value });

const request = (r: Partial<IssuanceRequest> = {}): IssuanceRequest => ({
  keyType: 'EC-P256',
  sans: [dns('example.org')],
  subject: { CN: 'example.org' },
  now: NOW,
  ...r,
});

/** The AppError checkIssuance throws; fails the test when it issues. */
function refusal(p: Profile, r: IssuanceRequest): AppError {
  try {
    checkIssuance(p, r);
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal, but the request was allowed');
}

describe('checkIssuance: a plain allowed request', () => {
  it('returns the certificate parameters', () => {
    const d = checkIssuance(profile(), request({ subject: { CN: 'example.org', O: 'Example', C: 'FR' } }));
    expect(d).toEqual({
      ok: true,
      ttlSeconds: 30 * DAY,
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 30 * DAY * 1000),
      subject: { CN: 'example.org' },
      sans: [dns('example.org')],
      keyUsages: ['digitalSignature'],
      extKeyUsages: ['serverAuth', 'clientAuth'],
      wildcard: false,
      ttlBeyondMax: false,
    });
  });

  it('passes the default profile with the names the API has always taken', () => {
    const d = checkIssuance(DEFAULT_PROFILE, request({ sans: [dns('anything.example.com'), dns('*.apps.example.com'), ip('192.0.2.1')], subject: { CN: 'Web frontend' } }));
    expect(d.wildcard).toBe(true);
    expect(d.subject).toEqual({ CN: 'Web frontend' });
  });
});

describe('DNS names and allowed_domains', () => {
  it.each([
    ['example.org', 'exact rule'],
    ['a.svc.example.org', 'subdomain rule'],
    ['a.b.svc.example.org', 'subdomain rule, deeper'],
    ['host-1.example.net', 'glob'],
    ['host-a.b.example.net', 'glob "*" spans dots'],
  ])('allows %s (%s)', (name) => {
    expect(checkIssuance(profile(), request({ sans: [dns(name)], subject: {} })).sans).toEqual([dns(name)]);
  });

  it.each([['x.evil.org'], ['www.example.org'], ['svc.example.org'], ['web-1.example.net'], ['example.org.evil.com']])('refuses %s', (name) => {
    const e = refusal(profile(), request({ sans: [dns(name)], subject: {} }));
    expect(e).toMatchObject({ code: 'PROFILE_NAME_NOT_ALLOWED', status: 400, details: { rule: 'allowed_domains', name, profile: 'web' } });
    expect(e.message).toBe(`DNS name "${name}" is not allowed by profile "web": allowed_domains are example.org, .svc.example.org, host-*.example.net.`);
  });

  it('says so when allowed_domains is empty', () => {
    const e = refusal(profile({ allowed_domains: [] }), request());
    expect(e.message).toContain('allowed_domains is empty');
  });

  it('compares names in canonical form: case, trailing dot, IDNA', () => {
    const p = profile({ allowed_domains: ['bücher.example.org', '.Example.COM'] });
    const d = checkIssuance(p, request({ sans: [dns('BÜCHER.example.org.'), dns('Www.Example.Com.'), dns('xn--bcher-kva.example.org')], subject: {} }));
    expect(d.sans).toEqual([dns('xn--bcher-kva.example.org'), dns('www.example.com')]);
  });

  it('refuses malformed names as NAME_INVALID', () => {
    for (const bad of ['a..example.org', 'a*.example.org', 'foo.*.example.org', '-x.example.org']) {
      expect(refusal(DEFAULT_PROFILE, request({ sans: [dns(bad)], subject: {} }))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'syntax' } });
    }
  });

  it('allow_any_name skips allowed_domains', () => {
    expect(checkIssuance(profile({ allow_any_name: true }), request({ sans: [dns('x.evil.org')], subject: {} })).sans).toEqual([dns('x.evil.org')]);
  });
});

describe('wildcards', () => {
  const wild = (name: string) => request({ sans: [dns(name)], subject: {} });

  it('need allow_wildcard, even when the domain rules would cover them', () => {
    const e = refusal(profile(), wild('*.svc.example.org'));
    expect(e).toMatchObject({ code: 'PROFILE_WILDCARD_NOT_ALLOWED', details: { rule: 'allow_wildcard', name: '*.svc.example.org' } });
    expect(refusal(profile({ allow_any_name: true }), wild('*.x.org')).code).toBe('PROFILE_WILDCARD_NOT_ALLOWED');
  });

  it('are allowed when a subdomain or glob rule covers every name they stand for', () => {
    const p = profile({ allow_wildcard: true, allowed_domains: ['.svc.example.org', '*.apps.example.net'] });
    for (const name of ['*.svc.example.org', '*.a.svc.example.org', '*.apps.example.net', '*.x.apps.example.net']) {
      const d = checkIssuance(p, wild(name));
      expect(d.wildcard).toBe(true);
      expect(d.sans).toEqual([dns(name)]);
    }
  });

  it('are refused when only some of the names they stand for are allowed', () => {
    const p = profile({ allow_wildcard: true, allowed_domains: ['example.org', 'www.example.org', 'host-*.example.net', '.svc.example.org'] });
    for (const name of ['*.example.org', '*.example.net', '*.example.com']) {
      expect(refusal(p, wild(name))).toMatchObject({ code: 'PROFILE_NAME_NOT_ALLOWED', details: { rule: 'allowed_domains' } });
    }
  });

  it('a glob naming the wildcard itself allows it', () => {
    const p = profile({ allow_wildcard: true, allowed_domains: ['*.a.example.org'] });
    expect(checkIssuance(p, wild('*.a.example.org')).wildcard).toBe(true);
  });

  it('are never allowed over a public suffix, whatever the profile', () => {
    const p = profile({ allow_wildcard: true, allow_any_name: true });
    expect(refusal(p, wild('*.co.uk'))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'public_suffix' } });
    expect(refusal(p, wild('*.github.io'))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'public_suffix' } });
    expect(checkIssuance(p, wild('*.example.co.uk')).sans).toEqual([dns('*.example.co.uk')]);
  });

  it('are refused anywhere but the whole leftmost label', () => {
    const p = profile({ allow_wildcard: true, allow_any_name: true });
    for (const name of ['a*.example.org', '*.*.example.org', 'foo.*.example.org']) expect(refusal(p, wild(name)).code).toBe('NAME_INVALID');
  });
});

describe('IP names', () => {
  it('are allowed by default, canonicalised', () => {
    expect(checkIssuance(profile(), request({ sans: [ip('2001:0db8::0001'), ip('192.0.2.1')] })).sans).toEqual([ip('2001:db8::1'), ip('192.0.2.1')]);
  });

  it('are refused with allow_ip_sans false', () => {
    const e = refusal(profile({ allow_ip_sans: false }), request({ sans: [ip('192.0.2.1')] }));
    expect(e).toMatchObject({ code: 'PROFILE_IP_NOT_ALLOWED', details: { rule: 'allow_ip_sans', name: '192.0.2.1' } });
  });

  it('must lie in allowed_ip_ranges, IPv4 and IPv6', () => {
    const p = profile({ allowed_ip_ranges: ['10.0.0.0/8', '2001:db8:1::/48'] });
    expect(checkIssuance(p, request({ sans: [ip('10.20.30.40'), ip('2001:db8:1:ffff::5')] })).sans).toHaveLength(2);
    for (const bad of ['11.0.0.1', '192.0.2.1', '2001:db8:2::1']) {
      const e = refusal(p, request({ sans: [ip(bad)] }));
      expect(e).toMatchObject({ code: 'PROFILE_IP_NOT_ALLOWED', details: { rule: 'allowed_ip_ranges' } });
      expect(e.message).toContain('allowed_ip_ranges are 10.0.0.0/8, 2001:db8:1::/48');
    }
  });

  it('refuses IPv4 written inside IPv6 (mapped, compatible) and zone ids, as a SAN and as a CN', () => {
    const p = profile({ allowed_ip_ranges: ['10.0.0.0/8', '::/0'] });
    for (const bad of ['::ffff:10.0.0.1', '::ffff:a00:1', '::10.0.0.1', 'fe80::1%eth0']) {
      for (const r of [request({ sans: [ip(bad)] }), request({ sans: [ip('10.0.0.1')], subject: { CN: bad } })]) {
        const e = refusal(p, r);
        expect(e).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'syntax', name: bad } });
        expect(e.message).toMatch(bad.includes('%') ? /zone id/ : /use the plain IPv4 address 10\.0\.0\.1/);
      }
    }
    // IPv6's own unspecified and loopback addresses are not IPv4 in disguise.
    expect(checkIssuance(p, request({ sans: [ip('::1'), ip('::')] })).sans).toEqual([ip('::1'), ip('::')]);
  });
});

describe('email names', () => {
  it('are refused unless allow_email_sans', () => {
    const e = refusal(profile(), request({ sans: [email('ops@example.org')] }));
    expect(e).toMatchObject({ code: 'PROFILE_EMAIL_NOT_ALLOWED', details: { rule: 'allow_email_sans' } });
  });

  it('need their domain allowed by allowed_domains', () => {
    const p = profile({ allow_email_sans: true });
    expect(checkIssuance(p, request({ sans: [email('ops@Example.ORG'), email('a@db.svc.example.org')] })).sans).toEqual([email('ops@example.org'), email('a@db.svc.example.org')]);
    expect(refusal(p, request({ sans: [email('ops@evil.org')] }))).toMatchObject({ code: 'PROFILE_EMAIL_NOT_ALLOWED', details: { rule: 'allowed_domains' } });
    expect(checkIssuance(profile({ allow_email_sans: true, allow_any_name: true }), request({ sans: [email('ops@evil.org')] })).sans).toEqual([email('ops@evil.org')]);
  });

  it('reads a CN with "@" with the same address syntax as a SAN', () => {
    const p = profile({ allow_email_sans: true, allow_any_name: true });
    for (const cn of ['a b@example.org', '.ops@example.org', 'ops@*.example.org', '@example.org']) {
      expect(refusal(p, request({ subject: { CN: cn } }))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'syntax', name: cn } });
    }
    expect(checkIssuance(p, request({ subject: { CN: 'Ops@Example.ORG' } })).subject).toEqual({ CN: 'Ops@Example.ORG' });
  });
});

describe('keys', () => {
  it('key_types limits the family', () => {
    const p = profile({ key_types: ['EC'] });
    expect(checkIssuance(p, request({ keyType: 'EC-P384' })).keyUsages).toEqual(['digitalSignature']);
    for (const keyType of ['RSA-4096', 'Ed25519'] as const) {
      const e = refusal(p, request({ keyType }));
      expect(e).toMatchObject({ code: 'PROFILE_KEY_NOT_ALLOWED', details: { rule: 'key_types', key_type: keyType } });
      expect(e.message).toBe(`Key type ${keyType} is not allowed by profile "web": key_types are EC.`);
    }
  });

  it('min_rsa_bits limits RSA sizes', () => {
    const p = profile({ min_rsa_bits: 3072 });
    expect(refusal(p, request({ keyType: 'RSA-2048' }))).toMatchObject({ code: 'PROFILE_KEY_NOT_ALLOWED', details: { rule: 'min_rsa_bits' } });
    expect(checkIssuance(p, request({ keyType: 'RSA-3072' })).keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(checkIssuance(p, request({ keyType: 'RSA-4096' })).ok).toBe(true);
    expect(checkIssuance(p, request({ keyType: 'EC-P256' })).ok).toBe(true);
  });

  it('allowed_ec_curves limits EC curves', () => {
    const p = profile({ allowed_ec_curves: ['P-384'] });
    expect(refusal(p, request({ keyType: 'EC-P256' }))).toMatchObject({ code: 'PROFILE_KEY_NOT_ALLOWED', details: { rule: 'allowed_ec_curves' } });
    expect(checkIssuance(p, request({ keyType: 'EC-P384' })).ok).toBe(true);
  });

  it('derives key usages from the key type by default', () => {
    expect(checkIssuance(profile(), request({ keyType: 'RSA-2048' })).keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(checkIssuance(profile(), request({ keyType: 'EC-P256' })).keyUsages).toEqual(['digitalSignature']);
    expect(checkIssuance(profile(), request({ keyType: 'Ed25519' })).keyUsages).toEqual(['digitalSignature']);
  });

  it('keeps only the key_usages a key can have, and refuses when none is left', () => {
    const p = profile({ key_usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] });
    expect(checkIssuance(p, request({ keyType: 'RSA-2048' })).keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(checkIssuance(p, request({ keyType: 'EC-P256' })).keyUsages).toEqual(['digitalSignature', 'keyAgreement']);
    expect(checkIssuance(p, request({ keyType: 'Ed25519' })).keyUsages).toEqual(['digitalSignature']);
    const encipherOnly = profile({ key_usages: ['keyEncipherment'] });
    expect(refusal(encipherOnly, request({ keyType: 'EC-P256' }))).toMatchObject({ code: 'PROFILE_KEY_NOT_ALLOWED', details: { rule: 'key_usages' } });
  });

  it('maps ext_key_usages to the OID names', () => {
    const p = profile({ ext_key_usages: ['code_signing', 'email_protection', 'client_auth'] });
    expect(checkIssuance(p, request()).extKeyUsages).toEqual(['codeSigning', 'emailProtection', 'clientAuth']);
  });
});

describe('subject', () => {
  it('copies only copy_subject_fields, verbatim', () => {
    const subject = { CN: 'example.org', O: 'Example Ltd', OU: 'Ops', C: 'FR', ST: 'Île-de-France', L: 'Paris' };
    expect(checkIssuance(profile({ copy_subject_fields: ['CN', 'O', 'C'] }), request({ subject })).subject).toEqual({ CN: 'example.org', O: 'Example Ltd', C: 'FR' });
    expect(checkIssuance(profile({ copy_subject_fields: [] }), request({ subject })).subject).toEqual({});
  });

  it('checks a copied CN like a SAN of its kind', () => {
    const p = profile({ allowed_ip_ranges: ['10.0.0.0/8'] });
    expect(refusal(p, request({ subject: { CN: 'x.evil.org' } }))).toMatchObject({
      code: 'PROFILE_NAME_NOT_ALLOWED',
      details: { rule: 'allowed_domains', field: 'CN', name: 'x.evil.org' },
      message: 'CN "x.evil.org" is not allowed by profile "web": allowed_domains are example.org, .svc.example.org, host-*.example.net.',
    });
    expect(refusal(p, request({ subject: { CN: '*.svc.example.org' } })).code).toBe('PROFILE_WILDCARD_NOT_ALLOWED');
    expect(refusal(p, request({ subject: { CN: '192.0.2.1' } }))).toMatchObject({ code: 'PROFILE_IP_NOT_ALLOWED', details: { field: 'CN' } });
    expect(refusal(p, request({ subject: { CN: 'ops@example.org' } }))).toMatchObject({ code: 'PROFILE_EMAIL_NOT_ALLOWED', details: { field: 'CN' } });
    expect(refusal(p, request({ subject: { CN: 'Web frontend' } }))).toMatchObject({ code: 'PROFILE_NAME_NOT_ALLOWED', details: { field: 'CN' } });
    expect(checkIssuance(p, request({ subject: { CN: 'EXAMPLE.org' } })).subject).toEqual({ CN: 'EXAMPLE.org' });
    expect(checkIssuance(p, request({ subject: { CN: '10.1.2.3' } })).subject).toEqual({ CN: '10.1.2.3' });
  });

  it('does not check a CN it does not copy', () => {
    expect(checkIssuance(profile({ copy_subject_fields: ['O'] }), request({ subject: { CN: 'x.evil.org', O: 'Evil' } })).subject).toEqual({ O: 'Evil' });
  });

  it('counts a wildcard CN, and refuses one over a public suffix even with allow_any_name', () => {
    const p = profile({ allow_any_name: true, allow_wildcard: true });
    expect(checkIssuance(p, request({ subject: { CN: '*.example.org' } })).wildcard).toBe(true);
    expect(refusal(p, request({ subject: { CN: '*.com' } }))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'public_suffix' } });
    expect(refusal(p, request({ subject: { CN: 'a*b' } })).code).toBe('NAME_INVALID');
  });

  it('subjectFromAttributes keeps known fields and refuses one given twice', () => {
    expect(
      subjectFromAttributes([
        { type: 'C', value: 'FR' },
        { type: 'O', value: 'Example' },
        { type: 'CN', value: 'example.org' },
        { type: 'emailAddress', value: 'x@example.org' },
      ]),
    ).toEqual({ C: 'FR', O: 'Example', CN: 'example.org' });
    expect(() => subjectFromAttributes([{ type: 'OU', value: 'a' }, { type: 'OU', value: 'b' }])).toThrow(expect.objectContaining({ code: 'SUBJECT_INVALID' }));
  });
});

describe('cn_must_be_object_id (Octavia)', () => {
  const id = '0f6e3c3a-5b7d-4a59-9f2e-0c2b8e1d7a11';
  const octavia = profile({ cn_must_be_object_id: true, require_san: false });

  it('allows a CN equal to the object id, without checking it as a name', () => {
    const d = checkIssuance(octavia, request({ sans: [], subject: { CN: id }, objectId: id }));
    expect(d.subject).toEqual({ CN: id });
    expect(d.sans).toEqual([]);
  });

  it('refuses another CN, a missing CN, or a missing object id', () => {
    const other = refusal(octavia, request({ sans: [], subject: { CN: 'example.org' }, objectId: id }));
    expect(other).toMatchObject({ code: 'PROFILE_CN_MISMATCH', details: { rule: 'cn_must_be_object_id', object_id: id } });
    expect(other.message).toContain(`"${id}"`);
    expect(refusal(octavia, request({ sans: [], subject: { CN: id.toUpperCase() }, objectId: id })).code).toBe('PROFILE_CN_MISMATCH');
    expect(refusal(octavia, request({ sans: [], subject: { O: 'x' }, objectId: id })).message).toContain('has no CN');
    expect(refusal(octavia, request({ sans: [], subject: { CN: id } }))).toMatchObject({ code: 'PROFILE_CN_MISMATCH', details: { rule: 'cn_must_be_object_id' } });
  });

  it('still checks the SANs', () => {
    expect(refusal(octavia, request({ sans: [dns('x.evil.org')], subject: { CN: id }, objectId: id })).code).toBe('PROFILE_NAME_NOT_ALLOWED');
  });
});

describe('require_san', () => {
  it('refuses a certificate without SANs by default', () => {
    const e = refusal(profile(), request({ sans: [] }));
    expect(e).toMatchObject({ code: 'PROFILE_SAN_REQUIRED', details: { rule: 'require_san' } });
  });

  it('allows one with a CN only when require_san is false', () => {
    expect(checkIssuance(profile({ require_san: false }), request({ sans: [] })).subject).toEqual({ CN: 'example.org' });
  });

  it('never issues a certificate that names nothing', () => {
    const e = refusal(profile({ require_san: false, copy_subject_fields: ['O'] }), request({ sans: [], subject: { CN: 'example.org' } }));
    expect(e).toMatchObject({ code: 'PROFILE_SAN_REQUIRED' });
  });
});

describe('TTL', () => {
  it('defaults to default_ttl and ends ttl after now', () => {
    const d = checkIssuance(profile({ default_ttl: 7 * DAY }), request());
    expect(d.ttlSeconds).toBe(7 * DAY);
    expect(d.notAfter.toISOString()).toBe('2030-01-08T00:00:00.000Z');
  });

  it('takes a requested TTL up to max_ttl', () => {
    const p = profile({ max_ttl: 90 * DAY });
    expect(checkIssuance(p, request({ ttlSeconds: 90 * DAY })).ttlSeconds).toBe(90 * DAY);
    expect(checkIssuance(p, request({ ttlSeconds: 60 })).notAfter.toISOString()).toBe('2030-01-01T00:01:00.000Z');
  });

  it('refuses one beyond max_ttl, with the limit in the message', () => {
    const e = refusal(profile({ max_ttl: 90 * DAY }), request({ ttlSeconds: 90 * DAY + 1 }));
    expect(e).toMatchObject({ code: 'PROFILE_TTL_TOO_LONG', details: { rule: 'max_ttl', ttl: 90 * DAY + 1, max_ttl: 90 * DAY } });
    expect(e.message).toContain('max_ttl is 90 days (7776000 s)');
  });

  it('lets a caller who may exceed max_ttl do so, and says so', () => {
    const d = checkIssuance(profile({ max_ttl: 90 * DAY }), request({ ttlSeconds: 400 * DAY, mayExceedMaxTtl: true }));
    expect(d).toMatchObject({ ttlSeconds: 400 * DAY, ttlBeyondMax: true });
    expect(checkIssuance(profile({ max_ttl: 90 * DAY }), request({ ttlSeconds: 90 * DAY, mayExceedMaxTtl: true })).ttlBeyondMax).toBe(false);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('refuses the TTL %s', (ttlSeconds) => {
    expect(refusal(profile(), request({ ttlSeconds }))).toMatchObject({ code: 'PROFILE_TTL_INVALID' });
  });
});

describe('backdating', () => {
  const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

  it('starts now unless asked', () => {
    expect(checkIssuance(profile({ max_backdate: 3600 }), request()).notBefore).toEqual(NOW);
  });

  it('allows a start up to max_backdate ago, without moving the end', () => {
    const d = checkIssuance(profile({ max_backdate: 3600 }), request({ notBefore: ago(3600), ttlSeconds: DAY }));
    expect(d.notBefore).toEqual(ago(3600));
    expect(d.notAfter.toISOString()).toBe('2030-01-02T00:00:00.000Z');
  });

  it('refuses further back, and any backdate under the default of 0', () => {
    const e = refusal(profile({ max_backdate: 3600 }), request({ notBefore: ago(3601) }));
    expect(e).toMatchObject({ code: 'PROFILE_BACKDATE_TOO_FAR', details: { rule: 'max_backdate', backdate_seconds: 3601, max_backdate: 3600 } });
    expect(refusal(profile(), request({ notBefore: ago(1) })).message).toContain('no backdating');
    expect(checkIssuance(profile(), request({ notBefore: NOW })).notBefore).toEqual(NOW);
  });

  it('refuses a start in the future or an invalid date', () => {
    expect(refusal(profile({ max_backdate: 3600 }), request({ notBefore: new Date(NOW.getTime() + 1000) }))).toMatchObject({ code: 'PROFILE_NOT_BEFORE_INVALID', details: { rule: 'max_backdate' } });
    expect(refusal(profile({ max_backdate: 3600 }), request({ notBefore: new Date('nonsense') })).code).toBe('PROFILE_NOT_BEFORE_INVALID');
  });
});

describe('a CN written like a host name is a DNS name, checked as one', () => {
  it('refuses an invalid one even with allow_any_name (a 64-character label, an underscore, a numeric last label)', () => {
    for (const cn of [`${'a'.repeat(64)}.example.org`, 'a_b.example.org', 'release-1.2', 'a..example.org']) {
      expect(refusal(DEFAULT_PROFILE, request({ subject: { CN: cn } }))).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'syntax' } });
    }
  });

  it('still takes free text that is no host name (spaces, one label with "_") with allow_any_name', () => {
    for (const cn of ['Web frontend', 'svc_backup', 'Example Inc.', 'x'.repeat(64)]) {
      expect(checkIssuance(DEFAULT_PROFILE, request({ subject: { CN: cn } })).subject).toEqual({ CN: cn });
    }
  });
});
