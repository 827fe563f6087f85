import { describe, expect, it } from 'vitest';
import { parseSan, parseSans } from '../../../lib/x509/index.js';

describe('parseSan', () => {
  it.each([
    ['DNS:Example.ORG.', { type: 'dns', value: 'example.org' }],
    ['*.example.org', { type: 'dns', value: '*.example.org' }],
    ['bücher.example', { type: 'dns', value: 'xn--bcher-kva.example' }],
    ['IP:192.0.2.1', { type: 'ip', value: '192.0.2.1' }],
    ['2001:0db8:0000::0001', { type: 'ip', value: '2001:db8::1' }],
    ['ops@Example.org', { type: 'email', value: 'ops@example.org' }],
  ])('%s', (input, out) => expect(parseSan(input)).toEqual(out));

  it.each([
    ['', 'empty'],
    ['DNS:', 'empty'],
    ['a..example.org', 'empty label'],
    ['a.*.example.org', 'leftmost'],
    ['*.org', 'two labels'],
    ['foo*.example.org', 'leftmost'],
    [`${'a'.repeat(64)}.example.org`, '63'],
    [`${'a.'.repeat(127)}org`, '253'],
    ['-a.example.org', 'characters'],
    ['IP:256.1.1.1', 'IPv4'],
    ['IP:example.org', 'IPv4'],
    ['email:@example.org', 'local part'],
    ['email:a b@example.org', 'local part'],
    ['email:x@*.example.org', 'wildcard'],
  ])('refuses %s', (input, why) => {
    expect(() => parseSan(input)).toThrow(expect.objectContaining({ code: 'SAN_INVALID', status: 400, message: expect.stringContaining(why) }));
  });

  it('dedupes after normalising, and bounds the list', () => {
    expect(parseSans(['A.example.org', 'DNS:a.example.org.', 'IP:10.0.0.1', '10.0.0.1'])).toHaveLength(2);
    expect(() => parseSans(Array.from({ length: 101 }, (_, i) => `h${i}.example.org`))).toThrow(expect.objectContaining({ code: 'SAN_INVALID' }));
  });
});
