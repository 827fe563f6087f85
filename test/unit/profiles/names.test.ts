import { describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors/index.js';
import { globMatch, isPublicSuffix, matchingRule, normaliseDnsName, parseDomainRule, ruleAllows, type DomainRule } from '../../../lib/profiles/index.js';

/** The AppError a call throws; fails the test when it returns. */
function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError, got a value');
}

describe('normaliseDnsName', () => {
  it.each([
    ['Example.ORG', 'example.org'],
    ['example.org.', 'example.org'],
    ['bücher.example.org', 'xn--bcher-kva.example.org'],
    ['BÜCHER.Example.org.', 'xn--bcher-kva.example.org'],
    ['xn--bcher-kva.example.org', 'xn--bcher-kva.example.org'],
    ['*.Example.org', '*.example.org'],
    ['*.bücher.example.org', '*.xn--bcher-kva.example.org'],
    ['*.example.co.uk', '*.example.co.uk'],
    ['*.svc.cluster.local', '*.svc.cluster.local'],
    ['a-b.1x.example', 'a-b.1x.example'],
    [`${'a'.repeat(63)}.example.org`, `${'a'.repeat(63)}.example.org`],
  ])('%s -> %s', (input, out) => expect(normaliseDnsName(input)).toBe(out));

  it('accepts exactly 253 characters and refuses 254', () => {
    const name253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org`;
    expect(name253).toHaveLength(253);
    expect(normaliseDnsName(name253)).toBe(name253);
    expect(thrown(() => normaliseDnsName(`e${name253}`)).message).toContain('longer than 253');
  });

  it.each([
    ['', 'empty name'],
    ['.', 'empty name'],
    ['example.org..', 'empty label'],
    ['a..example.org', 'empty label'],
    ['.example.org', 'empty label'],
    [`${'a'.repeat(64)}.example.org`, 'longer than 63'],
    ['-a.example.org', 'inner hyphens'],
    ['a-.example.org', 'inner hyphens'],
    ['a_b.example.org', 'inner hyphens'],
    ['a b.example.org', 'inner hyphens'],
    [' example.org', 'inner hyphens'],
    ['xn--zz.example.org', 'punycode'],
    ['10.0.0.1', 'all digits'],
    ['example.123', 'all digits'],
    ['a*.example.org', 'whole leftmost label'],
    ['*a.example.org', 'whole leftmost label'],
    ['*.*.example.org', 'whole leftmost label'],
    ['foo.*.example.org', 'whole leftmost label'],
    ['*', 'whole leftmost label'],
  ])('refuses %j (%s)', (input, why) => {
    const e = thrown(() => normaliseDnsName(input));
    expect(e).toMatchObject({ code: 'NAME_INVALID', status: 400, details: { rule: 'syntax', name: input } });
    expect(e.message).toContain(why);
  });

  it.each([['*.com'], ['*.co.uk'], ['*.github.io'], ['*.s3.amazonaws.com'], ['*.x.kawasaki.jp'], ['*.internal'], ['*.COM.']])(
    'refuses the wildcard %s over a public suffix (ICANN and private sections)',
    (input) => {
      const e = thrown(() => normaliseDnsName(input));
      expect(e).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'public_suffix' } });
      expect(e.message).toContain('public suffix');
    },
  );

  it('allows the same names without the wildcard, and wildcards one level under a suffix', () => {
    expect(normaliseDnsName('co.uk')).toBe('co.uk');
    expect(normaliseDnsName('*.example.github.io')).toBe('*.example.github.io');
    expect(normaliseDnsName('*.city.kawasaki.jp')).toBe('*.city.kawasaki.jp');
  });
});

describe('isPublicSuffix', () => {
  it.each([
    ['com', true],
    ['co.uk', true],
    ['github.io', true],
    ['example.co.uk', false],
    ['example.org', false],
    ['cluster.local', false],
  ])('%s: %s', (name, yes) => expect(isPublicSuffix(name)).toBe(yes));
});

describe('parseDomainRule', () => {
  it.each<[string, DomainRule]>([
    ['Example.ORG.', { kind: 'exact', value: 'example.org' }],
    ['.SVC.example.org', { kind: 'subdomain', value: '.svc.example.org' }],
    ['.bücher.example', { kind: 'subdomain', value: '.xn--bcher-kva.example' }],
    ['*.svc.example.org', { kind: 'glob', value: '*.svc.example.org' }],
    ['Host-*.Example.org', { kind: 'glob', value: 'host-*.example.org' }],
    ['*.bücher.example', { kind: 'glob', value: '*.xn--bcher-kva.example' }],
    ['*.co.uk', { kind: 'glob', value: '*.co.uk' }],
  ])('%s', (input, rule) => expect(parseDomainRule(input)).toEqual(rule));

  it.each([
    ['.', 'allow_any_name'],
    ['*', 'allow_any_name'],
    ['*.*', 'allow_any_name'],
    ['..example.org', 'empty label'],
    ['.*.example.org', '".domain" rule'],
    ['a..*.org', 'empty label'],
    ['a_*.example.org', 'letters, digits, hyphens and "*"'],
    ['bü*.example.org', 'letters, digits, hyphens and "*"'],
    ['*.example.42', 'all digits'],
    ['-x.example.org', 'inner hyphens'],
  ])('refuses %j', (input, why) => {
    const e = thrown(() => parseDomainRule(input));
    expect(e).toMatchObject({ code: 'NAME_INVALID', details: { rule: 'allowed_domains', name: input } });
    expect(e.message).toContain(why);
  });
});

describe('globMatch: "*" is any run of characters, dots included (Vault allow_glob_domains)', () => {
  it.each([
    ['*.svc.example.org', 'a.svc.example.org', true],
    ['*.svc.example.org', 'a.b.svc.example.org', true],
    ['*.svc.example.org', 'svc.example.org', false],
    ['*.svc.example.org', 'a.svc.example.org.evil.com', false],
    ['host-*.example.org', 'host-1.example.org', true],
    ['host-*.example.org', 'host-a.b.example.org', true],
    ['host-*.example.org', 'host.example.org', false],
    ['host-*.example.org', 'web-1.example.org', false],
    ['host*.example.org', 'host.example.org', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*-db-*.example.org', 'eu-db-1.example.org', true],
    ['*-db-*.example.org', 'eu-web-1.example.org', false],
  ])('%s vs %s: %s', (pattern, text, yes) => expect(globMatch(pattern, text)).toBe(yes));

  it('stays fast on adversarial input', () => {
    const started = Date.now();
    expect(globMatch(`${'*a'.repeat(30)}b`, 'a'.repeat(250))).toBe(false);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('ruleAllows and matchingRule', () => {
  const exact = parseDomainRule('example.org');
  const sub = parseDomainRule('.example.org');
  const glob = parseDomainRule('*.svc.example.net');
  const hostGlob = parseDomainRule('host-*.example.com');

  it('an exact rule allows that name only', () => {
    expect(ruleAllows(exact, 'example.org')).toBe(true);
    expect(ruleAllows(exact, 'www.example.org')).toBe(false);
    expect(ruleAllows(exact, '*.example.org')).toBe(false);
  });

  it('a subdomain rule allows names strictly under it, at any depth, and not the domain itself', () => {
    expect(ruleAllows(sub, 'www.example.org')).toBe(true);
    expect(ruleAllows(sub, 'a.b.example.org')).toBe(true);
    expect(ruleAllows(sub, 'example.org')).toBe(false);
    expect(ruleAllows(sub, 'badexample.org')).toBe(false);
    expect(ruleAllows(sub, 'example.org.evil.com')).toBe(false);
  });

  it('a subdomain rule covers a wildcard at or under its domain', () => {
    expect(ruleAllows(sub, '*.example.org')).toBe(true);
    expect(ruleAllows(sub, '*.a.example.org')).toBe(true);
    expect(ruleAllows(sub, '*.org')).toBe(false);
    expect(ruleAllows(sub, '*.badexample.org')).toBe(false);
  });

  it('a glob covers a wildcard only when it covers every name the wildcard stands for', () => {
    expect(ruleAllows(glob, '*.svc.example.net')).toBe(true);
    expect(ruleAllows(glob, '*.a.svc.example.net')).toBe(true);
    expect(ruleAllows(glob, '*.example.net')).toBe(false);
    expect(ruleAllows(hostGlob, '*.example.com')).toBe(false);
  });

  it('matchingRule returns the first rule that allows, or undefined', () => {
    expect(matchingRule('a.svc.example.net', [exact, sub, glob])).toBe(glob);
    expect(matchingRule('example.org', [exact, sub, glob])).toBe(exact);
    expect(matchingRule('x.evil.org', [exact, sub, glob])).toBeUndefined();
    expect(matchingRule('example.org', [])).toBeUndefined();
  });
});
