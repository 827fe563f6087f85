import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE, Profile, normaliseIpRange, parseIpRange, ipInRange } from '../../../lib/profiles/index.js';

const issuesOf = (input: unknown) => {
  const r = Profile.safeParse(input);
  if (r.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('Profile schema', () => {
  it('fills every default from a bare name', () => {
    expect(Profile.parse({ name: 'web' })).toEqual({
      name: 'web',
      allowed_domains: [],
      allow_any_name: false,
      allow_wildcard: false,
      allow_ip_sans: true,
      allow_email_sans: false,
      key_types: ['RSA', 'EC', 'Ed25519'],
      min_rsa_bits: 2048,
      allowed_ec_curves: ['P-256', 'P-384'],
      max_ttl: 398 * 86400,
      default_ttl: 30 * 86400,
      ext_key_usages: ['server_auth', 'client_auth'],
      copy_subject_fields: ['CN'],
      max_backdate: 0,
      backdate: 60,
      cn_must_be_object_id: false,
      require_san: true,
    });
  });

  it.each([['web'], ['0'], ['a-b_c'], ['a'.repeat(63)]])('accepts the name %s', (name) => expect(Profile.safeParse({ name }).success).toBe(true));
  it.each([[''], ['Web'], ['-web'], ['_web'], ['web.prod'], ['a'.repeat(64)], ['wéb']])('refuses the name %j', (name) => {
    expect(issuesOf({ name })[0].path).toBe('name');
  });

  it('canonicalises allowed_domains (case, trailing dot, IDNA) and drops repeats', () => {
    const p = Profile.parse({ name: 'web', allowed_domains: ['Example.ORG.', '.Bücher.example', 'Host-*.example.org', 'example.org'] });
    expect(p.allowed_domains).toEqual(['example.org', '.xn--bcher-kva.example', 'host-*.example.org']);
  });

  it('refuses a malformed domain rule, naming the entry', () => {
    expect(issuesOf({ name: 'web', allowed_domains: ['ok.example.org', 'a..example.org'] })).toEqual([
      { path: 'allowed_domains.1', message: '"a..example.org" is not a valid allowed_domains rule: empty label' },
    ]);
    expect(issuesOf({ name: 'web', allowed_domains: ['*'] })[0].message).toContain('allow_any_name');
  });

  it('canonicalises allowed_ip_ranges and refuses bad or empty ones', () => {
    expect(Profile.parse({ name: 'web', allowed_ip_ranges: ['10.0.0.0/8', '2001:DB8:0::/32', '192.0.2.7'] }).allowed_ip_ranges).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7/32',
    ]);
    expect(issuesOf({ name: 'web', allowed_ip_ranges: ['10.0.0.1/8'] })[0]).toEqual({
      path: 'allowed_ip_ranges.0',
      message: '"10.0.0.1/8" is not a valid allowed_ip_ranges entry: bits are set after the first 8; did you mean 10.0.0.0/8?',
    });
    expect(issuesOf({ name: 'web', allowed_ip_ranges: [] })[0].message).toContain('allow_ip_sans');
    expect(issuesOf({ name: 'web', allowed_ip_ranges: ['10.0.0.0/33'] })[0].message).toContain('0 to 32');
    expect(issuesOf({ name: 'web', allowed_ip_ranges: ['example.org/8'] })[0].message).toContain('not an IPv4 or IPv6 address');
  });

  it('takes subsets of the known values, each at most once', () => {
    const p = Profile.parse({ name: 'x', key_types: ['EC'], allowed_ec_curves: ['P-384'], key_usages: ['digitalSignature', 'keyAgreement'], ext_key_usages: ['client_auth'], copy_subject_fields: [] });
    expect(p).toMatchObject({ key_types: ['EC'], allowed_ec_curves: ['P-384'], key_usages: ['digitalSignature', 'keyAgreement'], ext_key_usages: ['client_auth'], copy_subject_fields: [] });
    expect(issuesOf({ name: 'x', key_types: ['DSA'] })[0].path).toBe('key_types.0');
    expect(issuesOf({ name: 'x', key_types: [] })[0].message).toContain('at least one of RSA, EC, Ed25519');
    expect(issuesOf({ name: 'x', key_types: ['EC', 'EC'] })[0].message).toBe('lists a value twice');
    expect(issuesOf({ name: 'x', allowed_ec_curves: ['P-521'] })[0].path).toBe('allowed_ec_curves.0');
    expect(issuesOf({ name: 'x', ext_key_usages: [] })[0].path).toBe('ext_key_usages');
    expect(issuesOf({ name: 'x', key_usages: ['keyCertSign'] })[0].path).toBe('key_usages.0');
    expect(issuesOf({ name: 'x', copy_subject_fields: ['emailAddress'] })[0].path).toBe('copy_subject_fields.0');
  });

  it('accepts only 2048, 3072 and 4096 as min_rsa_bits', () => {
    expect(Profile.parse({ name: 'x', min_rsa_bits: 3072 }).min_rsa_bits).toBe(3072);
    expect(issuesOf({ name: 'x', min_rsa_bits: 1024 })[0].path).toBe('min_rsa_bits');
    expect(issuesOf({ name: 'x', min_rsa_bits: '4096' })[0].path).toBe('min_rsa_bits');
  });

  it('bounds TTLs and backdating to whole seconds', () => {
    expect(issuesOf({ name: 'x', max_ttl: 0 })[0].path).toBe('max_ttl');
    expect(issuesOf({ name: 'x', max_ttl: 1.5 })[0].path).toBe('max_ttl');
    expect(issuesOf({ name: 'x', max_ttl: 36501 * 86400 })[0].path).toBe('max_ttl');
    expect(issuesOf({ name: 'x', max_backdate: 86401 })[0].path).toBe('max_backdate');
    expect(issuesOf({ name: 'x', max_backdate: -1 })[0].path).toBe('max_backdate');
    expect(Profile.parse({ name: 'x', max_backdate: 86400 }).max_backdate).toBe(86400);
  });

  it('refuses default_ttl longer than max_ttl, with a clear message', () => {
    expect(issuesOf({ name: 'x', default_ttl: 7200, max_ttl: 3600 })).toEqual([
      { path: 'default_ttl', message: 'default_ttl (7200 s) must not be longer than max_ttl (3600 s)' },
    ]);
    expect(Profile.parse({ name: 'x', default_ttl: 3600, max_ttl: 3600 }).default_ttl).toBe(3600);
  });

  it('lowers the default TTL to a max_ttl shorter than 30 days', () => {
    expect(Profile.parse({ name: 'x', max_ttl: 86400 }).default_ttl).toBe(86400);
    expect(Profile.parse({ name: 'x', max_ttl: 90 * 86400 }).default_ttl).toBe(30 * 86400);
  });

  it('needs CN copied when the CN must be the object id', () => {
    expect(issuesOf({ name: 'x', cn_must_be_object_id: true, copy_subject_fields: ['O'] })).toEqual([
      { path: 'copy_subject_fields', message: 'must include CN when cn_must_be_object_id is set' },
    ]);
    expect(Profile.parse({ name: 'x', cn_must_be_object_id: true }).cn_must_be_object_id).toBe(true);
  });

  it('refuses unknown fields and wrong types', () => {
    expect(issuesOf({ name: 'x', allowedDomains: [] })[0].message).toContain('allowedDomains');
    expect(issuesOf({ name: 'x', allow_wildcard: 'yes' })[0].path).toBe('allow_wildcard');
  });
});

describe('DEFAULT_PROFILE', () => {
  it('suits TLS servers: any name, wildcards and IPs, email too (as before profiles), serverAuth + clientAuth, 30 d of at most 398 d', () => {
    expect(DEFAULT_PROFILE).toMatchObject({
      name: 'default',
      allow_any_name: true,
      allow_wildcard: true,
      allow_ip_sans: true,
      allow_email_sans: true,
      min_rsa_bits: 2048,
      default_ttl: 30 * 86400,
      max_ttl: 398 * 86400,
      ext_key_usages: ['server_auth', 'client_auth'],
      copy_subject_fields: ['CN'],
      require_san: true,
    });
    expect(DEFAULT_PROFILE.allowed_ip_ranges).toBeUndefined();
  });

  it('is a valid profile and cannot be changed by accident', () => {
    expect(Profile.parse(DEFAULT_PROFILE)).toEqual(DEFAULT_PROFILE);
    expect(Object.isFrozen(DEFAULT_PROFILE)).toBe(true);
    expect(() => (DEFAULT_PROFILE.key_types as string[]).push('DSA')).toThrow(TypeError);
  });
});

describe('IP ranges', () => {
  it('normalises and matches IPv4', () => {
    const r = parseIpRange('10.1.0.0/16');
    expect(r.value).toBe('10.1.0.0/16');
    expect(ipInRange('10.1.255.3', r)).toBe(true);
    expect(ipInRange('10.2.0.1', r)).toBe(false);
    expect(ipInRange('::ffff:10.1.0.1', r)).toBe(false);
    expect(ipInRange('192.0.2.1', parseIpRange('0.0.0.0/0'))).toBe(true);
    expect(ipInRange('192.0.2.9', parseIpRange('192.0.2.8/29'))).toBe(true);
    expect(ipInRange('192.0.2.16', parseIpRange('192.0.2.8/29'))).toBe(false);
  });

  it('normalises and matches IPv6 at prefixes off the byte boundary', () => {
    const r = parseIpRange('2001:db8:abc0::/42');
    expect(ipInRange('2001:db8:abff:ffff::1', r)).toBe(true);
    expect(ipInRange('2001:db8:ac00::1', r)).toBe(false);
    expect(ipInRange('10.0.0.1', r)).toBe(false);
    expect(normaliseIpRange('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1/128');
  });

  it.each([['10.0.0.0/'], ['10.0.0.0/8/8'], ['10.0.0.0/-1'], ['2001:db8::/129'], ['fe80::1%eth0'], ['2001:db8::1/64'], ['']])('refuses %j', (input) => {
    expect(() => parseIpRange(input)).toThrow(expect.objectContaining({ code: 'NAME_INVALID', details: expect.objectContaining({ rule: 'allowed_ip_ranges' }) }));
  });
});
