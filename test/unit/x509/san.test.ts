import { describe, expect, it } from 'vitest';
import { canonicalIp as profileCanonicalIp } from '../../../lib/profiles/index.js';
import { canonicalIp } from '../../../lib/x509/san.js';
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

  it.each([
    ['IP:::ffff:127.0.0.1', 'IPv4-mapped', '127.0.0.1'],
    ['::ffff:7f00:1', 'IPv4-mapped', '127.0.0.1'],
    ['IP:[::FFFF:10.1.2.3]', 'IPv4-mapped', '10.1.2.3'],
    ['IP:::127.0.0.1', 'IPv4-compatible', '127.0.0.1'],
    ['IP:::a00:1', 'IPv4-compatible', '10.0.0.1'],
  ])('refuses IPv4 inside IPv6: %s (%s), naming the address %s', (input, kind, v4) => {
    expect(() => parseSan(input)).toThrow(expect.objectContaining({ code: 'SAN_INVALID', status: 400, message: expect.stringContaining(`${kind}`) }));
    expect(() => parseSan(input)).toThrow(expect.objectContaining({ message: expect.stringContaining(`use the plain IPv4 address ${v4}`) }));
  });

  it('keeps :: and ::1, which are IPv6 addresses of their own, and 64:ff9b:: (NAT64) names', () => {
    expect(parseSans(['IP:::1', 'IP:::', 'IP:64:ff9b::a00:1']).map((s) => s.value)).toEqual(['::1', '::', '64:ff9b::a00:1']);
  });

  it.each([['IP:::1%eth0'], ['fe80::1%25eth0'], ['IP:[fe80::1%eth0]']])('refuses the zone id in %s with a 400, not a crash', (input) => {
    expect(() => parseSan(input)).toThrow(expect.objectContaining({ code: 'SAN_INVALID', status: 400, message: expect.stringContaining('zone id') }));
  });

  it('is the one canonical-IP reading the profiles use too', () => {
    expect(profileCanonicalIp).toBe(canonicalIp);
  });

  it('dedupes after normalising, and bounds the list', () => {
    expect(parseSans(['A.example.org', 'DNS:a.example.org.', 'IP:10.0.0.1', '10.0.0.1'])).toHaveLength(2);
    expect(() => parseSans(Array.from({ length: 101 }, (_, i) => `h${i}.example.org`))).toThrow(expect.objectContaining({ code: 'SAN_INVALID' }));
  });
});
