// What the VA refuses before any network use: request shapes, type/identifier pairs, addresses; and its settings.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, refusedAddress, reverseName, validateChallenge, validationSettingsFromEnv, type ValidationRequest, type ValidationSettings } from '../../../lib/va/index.js';

// A resolver nobody answers on: none of these may reach the network.
const settings: ValidationSettings = { resolver: '127.0.0.1:9', http01Port: 80, tlsAlpn01Port: 443, allowLoopback: false, timeoutMs: 200 };
const base: ValidationRequest = { type: 'http-01', identifier: { type: 'dns', value: 'example.test' }, token: 'tok', keyAuthorization: 'tok.thumb' };

describe('requests refused as malformed', () => {
  const cases: [string, ValidationRequest][] = [
    ['dns-01 for an IP identifier', { ...base, type: 'dns-01', identifier: { type: 'ip', value: '192.0.2.1' } }],
    ['an unknown challenge type', { ...base, type: 'http-02' as ValidationRequest['type'] }],
    ['an unknown identifier type', { ...base, identifier: { type: 'email' as 'dns', value: 'a@b.test' } }],
    ['an upper-case name', { ...base, identifier: { type: 'dns', value: 'Example.test' } }],
    ['a trailing dot', { ...base, identifier: { type: 'dns', value: 'example.test.' } }],
    ['a wildcard', { ...base, type: 'dns-01', identifier: { type: 'dns', value: '*.example.test' } }],
    ['a U-label', { ...base, identifier: { type: 'dns', value: 'bücher.test' } }],
    ['an IP address as a dns identifier', { ...base, identifier: { type: 'dns', value: '8.8.8.8' } }],
    ['a non-address IP identifier', { ...base, identifier: { type: 'ip', value: 'example.test' } }],
    ['an IPv6 zone id', { ...base, identifier: { type: 'ip', value: 'fe80::1%eth0' } }],
    ['a token with a path in it', { ...base, token: '../admin', keyAuthorization: '../admin.thumb' }],
    ['a key authorization for another token', { ...base, keyAuthorization: 'other.thumb' }],
    ['a key authorization without thumbprint', { ...base, keyAuthorization: 'tok.' }],
  ];
  it.each(cases)('%s', async (_what, req) => {
    expect(await validateChallenge(req, settings)).toMatchObject({ status: 'invalid', records: [], error: { type: 'malformed' }, transient: false });
  });

  it('accepts http-01 and tls-alpn-01 for both identifier types and dns-01 for names (failing later, on the network)', async () => {
    for (const [type, idType, value] of [
      ['http-01', 'dns', 'example.test'],
      ['http-01', 'ip', '192.0.2.1'],
      ['tls-alpn-01', 'dns', 'example.test'],
      ['tls-alpn-01', 'ip', '192.0.2.1'],
      ['dns-01', 'dns', 'example.test'],
    ] as const) {
      const r = await validateChallenge({ ...base, type, identifier: { type: idType, value } }, settings);
      expect(r.status === 'invalid' && r.error.type).not.toBe('malformed');
    }
  });
});

describe('addresses', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
  ])('refuses %s (%s)', (address, why) => {
    expect(refusedAddress(address, false)).toContain(why);
  });

  it('allows public addresses, and with allowLoopback only 127.0.0.0/8 and ::1 besides', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '100.63.255.255', '172.32.0.1', '2606:4700::1111', '2a00:1450::1', '::ffff:8.8.8.8']) expect(refusedAddress(a, false)).toBeUndefined();
    for (const a of ['127.0.0.1', '127.1.2.3', '::1']) expect(refusedAddress(a, true)).toBeUndefined();
    for (const a of ['10.0.0.1', 'fe80::1', '0.0.0.0', '::', '169.254.1.1']) expect(refusedAddress(a, true)).toBeDefined();
  });

  it('names an IP by its reverse-DNS name (RFC 8738 6)', () => {
    expect(reverseName('192.0.2.1')).toBe('1.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });
});

describe('validationSettingsFromEnv', () => {
  it('defaults to production: system resolvers, ports 80 and 443, no loopback, 10 s', () => {
    expect(validationSettingsFromEnv({})).toEqual({ http01Port: 80, tlsAlpn01Port: 443, allowLoopback: false, timeoutMs: DEFAULT_TIMEOUT_MS });
    expect(DEFAULT_TIMEOUT_MS).toBe(10_000);
  });

  it('reads the local-stack knobs', () => {
    const env = { ACME_DNS_RESOLVER: '127.0.0.1:8053', ACME_HTTP01_PORT: '5002', ACME_TLSALPN01_PORT: '5001', ACME_ALLOW_LOOPBACK: 'true', ACME_VALIDATION_TIMEOUT_MS: '2500' };
    expect(validationSettingsFromEnv(env)).toEqual({ resolver: '127.0.0.1:8053', http01Port: 5002, tlsAlpn01Port: 5001, allowLoopback: true, timeoutMs: 2500 });
    expect(validationSettingsFromEnv({ ACME_ALLOW_LOOPBACK: '1' }).allowLoopback).toBe(true);
    for (const v of ['0', 'false', 'yes', '']) expect(validationSettingsFromEnv({ ACME_ALLOW_LOOPBACK: v }).allowLoopback).toBe(false);
    expect(validationSettingsFromEnv({ ACME_DNS_RESOLVER: '  ' }).resolver).toBeUndefined();
  });

  it('refuses values that are not ports or timeouts', () => {
    for (const v of ['0', '65536', '80a', '-1', '1.5']) expect(() => validationSettingsFromEnv({ ACME_HTTP01_PORT: v })).toThrow(/ACME_HTTP01_PORT/);
    expect(() => validationSettingsFromEnv({ ACME_TLSALPN01_PORT: 'https' })).toThrow(/ACME_TLSALPN01_PORT/);
    for (const v of ['0', 'ten', '1e4']) expect(() => validationSettingsFromEnv({ ACME_VALIDATION_TIMEOUT_MS: v })).toThrow(/ACME_VALIDATION_TIMEOUT_MS/);
  });
});
