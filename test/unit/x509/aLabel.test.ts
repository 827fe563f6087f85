import { describe, expect, it } from 'vitest';
import { decodePunycode, isValidALabel } from '../../../lib/x509/aLabel.js';

/** A-labels are checked here, not by node:url alone: Node 24's host parser hands an ASCII "xn--" label back unchecked. */
describe('decodePunycode (RFC 3492)', () => {
  it.each([
    ['bcher-kva', 'bücher'],
    ['ls8h', '💩'],
    ['mnchen-3ya', 'münchen'],
    // RFC 3492 section 7.1 samples (A: Arabic, B: Chinese simplified).
    ['egbpdaj6bu4bxfgehfvwxn', 'ليهمابتكلموشعربي؟'],
    ['ihqwcrb4cv8a8dqg056pqjye', '他们为什么不说中文'],
    ['abc-', 'abc'],
  ])('%s → %s', (input, decoded) => {
    expect(decodePunycode(input)).toBe(decoded);
  });

  it.each([['zz'], ['-abc'], ['bcher-kv!'], ['z'.repeat(40)]])('refuses %s', (input) => {
    expect(decodePunycode(input)).toBeUndefined();
  });
});

describe('isValidALabel', () => {
  it.each([['xn--bcher-kva'], ['xn--ls8h'], ['xn--zca'], ['xn--55qx5d'], ['xn--d1acufc']])('%s is one', (label) => {
    expect(isValidALabel(label)).toBe(true);
  });

  it.each([
    ['xn--zz', 'not Punycode'],
    ['xn--', 'empty'],
    ['xn--abc-', 'decodes to ASCII only'],
    ['xn--a', 'decodes to a control character IDNA refuses'],
    ['xn--Bcher-kva', 'not what IDNA encodes the U-label to (lower case)'],
    ['bcher-kva', 'no xn-- prefix'],
  ])('%s is not (%s)', (label) => {
    expect(isValidALabel(label)).toBe(false);
  });
});
