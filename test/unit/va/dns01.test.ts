// dns-01 against pebble-challtestsrv's DNS server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dns01Digest, validateChallenge, type ValidationRequest, type ValidationSettings } from '../../../lib/va/index.js';
import { freePort, startChalltestsrv, type Challtestsrv } from './helpers.js';

const TOKEN = 'dnsTok-0123456789_abcdef';
const KEYAUTH = `${TOKEN}.thumb-XYZ_987`;

let cts: Challtestsrv;
let settings: ValidationSettings;
const req = (value: string): ValidationRequest => ({ type: 'dns-01', identifier: { type: 'dns', value }, token: TOKEN, keyAuthorization: KEYAUTH });

beforeAll(async () => {
  cts = await startChalltestsrv();
  settings = { resolver: cts.resolver, http01Port: 80, tlsAlpn01Port: 443, allowLoopback: false, timeoutMs: 2000 };
  await cts.post('/set-txt', { host: '_acme-challenge.d.test.', value: dns01Digest(KEYAUTH) });
  await cts.post('/set-txt', { host: '_acme-challenge.wrong.test.', value: dns01Digest('other.key') });
  await cts.post('/set-txt', { host: '_acme-challenge.wild.test.', value: dns01Digest(KEYAUTH) });
  await cts.post('/set-servfail', { host: '_acme-challenge.sf.test.' });
});

afterAll(async () => {
  await cts?.stop();
});

describe('dns-01', () => {
  it('is base64url(SHA-256(key authorization))', () => {
    // RFC 8555 8.4's example shape: 43 base64url characters, no padding.
    expect(dns01Digest(KEYAUTH)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is valid when _acme-challenge.<name> holds the digest', async () => {
    expect(await validateChallenge(req('d.test'), settings)).toEqual({ status: 'valid', records: [{ hostname: 'd.test', resolverAddrs: [cts.resolver] }] });
  });

  it('is unauthorized (not transient) for another value, quoting what it found', async () => {
    const r = await validateChallenge(req('wrong.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain(`Incorrect TXT record "${dns01Digest('other.key')}" found at _acme-challenge.wrong.test`);
  });

  it('is unauthorized (not transient) without a TXT record', async () => {
    const r = await validateChallenge(req('missing.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'unauthorized', detail: 'No TXT record found at _acme-challenge.missing.test' }, transient: false });
  });

  it('validates a wildcard order by its base name, and refuses the "*." form itself', async () => {
    expect((await validateChallenge(req('wild.test'), settings)).status).toBe('valid');
    const r = await validateChallenge(req('*.wild.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'malformed' }, transient: false });
  });

  it('is a transient dns error for SERVFAIL and for a resolver that does not answer', async () => {
    const r = await validateChallenge(req('sf.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'dns' }, transient: true });
    if (r.status === 'invalid') expect(r.error.detail).toBe('DNS problem: SERVFAIL looking up TXT for _acme-challenge.sf.test');
    const dead = await validateChallenge(req('d.test'), { ...settings, resolver: `127.0.0.1:${await freePort(true)}`, timeoutMs: 300 });
    expect(dead).toMatchObject({ status: 'invalid', error: { type: 'dns' }, transient: true });
  });
});
