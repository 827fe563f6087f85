import { describe, expect, it } from 'vitest';
import { normaliseDnsName as profileName } from '../../../lib/profiles/index.js';
import { normaliseNameConstraints, parseSan } from '../../../lib/x509/index.js';

/** The three places a DNS name enters: a SAN, a profile name, a CA's name constraint. */
const verdicts = (name: string) => {
  const run = (f: () => string) => {
    try {
      return f();
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  };
  return {
    san: run(() => parseSan(`DNS:${name}`).value),
    profile: run(() => profileName(name)),
    constraint: run(() => normaliseNameConstraints({ permittedDns: [name] }).permittedDns![0]),
  };
};

const l63 = 'a'.repeat(63);
const l64 = 'a'.repeat(64);
const name253 = `${l63}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.org`;

describe('one DNS-name validator for SANs, profiles and name constraints', () => {
  it.each([
    [`${l63}.example.org`, `${l63}.example.org`],
    [name253, name253],
    ['Bücher.Example.', 'xn--bcher-kva.example'],
    [`${'ü'.repeat(30)}.example.org`, `${new URL(`http://${'ü'.repeat(30)}.example.org/`).hostname.split('.')[0]}.example.org`],
  ])('all accept %s as %s', (input, canonical) => {
    expect(verdicts(input)).toEqual({ san: canonical, profile: canonical, constraint: canonical });
  });

  it.each([
    [`${l64}.example.org`],
    [`x.${l64}`],
    [`e${name253}`],
    // An IDN whose A-label is longer than 63 octets.
    [`${'ü'.repeat(60)}.example.org`],
    ['xn--zz.example.org'],
    ['a..example.org'],
    ['-a.example.org'],
    ['a_b.example.org'],
    ['10.0.0.1'],
    ['example.123'],
  ])('all refuse %s', (input) => {
    expect(verdicts(input)).toEqual({ san: 'SAN_INVALID', profile: 'NAME_INVALID', constraint: 'NAME_CONSTRAINT_INVALID' });
  });
});
