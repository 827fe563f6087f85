// tls-alpn-01 against pebble-challtestsrv's responder and node:tls servers with openssl-made certificates.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME_IDENTIFIER_OID, validateChallenge, type ValidationRequest, type ValidationSettings } from '../../../lib/va/index.js';
import { freePort, selfSigned, startChalltestsrv, type Challtestsrv } from './helpers.js';

const TOKEN = 'alpnTok_0123456789-abcdef';
const KEYAUTH = `${TOKEN}.thumb_ALPN-1`;
const acmeExt = (keyAuth: string, critical = true) => `${ACME_IDENTIFIER_OID}=${critical ? 'critical,' : ''}DER:0420${createHash('sha256').update(keyAuth).digest('hex')}`;

let cts: Challtestsrv;
let settings: ValidationSettings;
const servers: tls.Server[] = [];
const sni: string[] = [];

const req = (value: string, type: 'dns' | 'ip' = 'dns'): ValidationRequest => ({ type: 'tls-alpn-01', identifier: { type, value }, token: TOKEN, keyAuthorization: KEYAUTH });

/** A TLS server on 127.0.0.1 with one certificate; `alpn` false offers no ALPN at all. */
async function tlsServer(extensions: string[], alpn = true): Promise<number> {
  const { cert, key } = selfSigned(extensions);
  const context = tls.createSecureContext({ cert, key });
  // SNICallback rather than secureConnection: the VA hangs up as soon as it has the certificate.
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
    sni.push(name);
    cb(null, context);
  };
  const server = tls.createServer({ cert, key, SNICallback, ...(alpn ? { ALPNProtocols: ['acme-tls/1'] } : {}) }, (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push(server);
  return port;
}

beforeAll(async () => {
  cts = await startChalltestsrv();
  settings = { resolver: cts.resolver, http01Port: 80, tlsAlpn01Port: cts.tlsAlpnPort, allowLoopback: true, timeoutMs: 3000 };
  for (const name of ['t.test', 'wrongka.test', 'plain.test', 'own.test', 'two.test', 'soft.test']) await cts.addA(name, ['127.0.0.1']);
  await cts.post('/add-tlsalpn01', { host: 't.test', content: KEYAUTH });
  await cts.post('/add-tlsalpn01', { host: 'wrongka.test', content: `${TOKEN}.someone-else` });
});

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await cts?.stop();
});

describe('tls-alpn-01', () => {
  it("is valid against challtestsrv's responder", async () => {
    const r = await validateChallenge(req('t.test'), settings);
    expect(r).toEqual({
      status: 'valid',
      records: [{ hostname: 't.test', port: String(cts.tlsAlpnPort), addressesResolved: ['127.0.0.1'], addressUsed: '127.0.0.1', resolverAddrs: [cts.resolver] }],
    });
  });

  it('is unauthorized when the acmeIdentifier holds the digest of another key authorization', async () => {
    const r = await validateChallenge(req('wrongka.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('SHA-256 of this key authorization');
  });

  it('is unauthorized when the server negotiates no ALPN protocol', async () => {
    const port = await tlsServer(['subjectAltName=DNS:plain.test', acmeExt(KEYAUTH)], false);
    const r = await validateChallenge(req('plain.test'), { ...settings, tlsAlpn01Port: port });
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('Cannot negotiate ALPN protocol "acme-tls/1"');
  });

  it('checks a certificate of its own making: one SAN, critical extension', async () => {
    const good = await tlsServer(['subjectAltName=DNS:own.test', acmeExt(KEYAUTH)]);
    expect((await validateChallenge(req('own.test'), { ...settings, tlsAlpn01Port: good })).status).toBe('valid');
    const two = await tlsServer(['subjectAltName=DNS:two.test,DNS:extra.test', acmeExt(KEYAUTH)]);
    const r2 = await validateChallenge(req('two.test'), { ...settings, tlsAlpn01Port: two });
    expect(r2).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' } });
    if (r2.status === 'invalid') expect(r2.error.detail).toContain('2 entries; exactly one');
    const soft = await tlsServer(['subjectAltName=DNS:soft.test', acmeExt(KEYAUTH, false)]);
    const r3 = await validateChallenge(req('soft.test'), { ...settings, tlsAlpn01Port: soft });
    expect(r3).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' } });
    if (r3.status === 'invalid') expect(r3.error.detail).toContain('not marked critical');
    // A certificate for another name.
    const r4 = await validateChallenge(req('two.test'), { ...settings, tlsAlpn01Port: good });
    if (r4.status === 'invalid') expect(r4.error.detail).toContain('does not name the DNS name two.test');
    else expect.unreachable();
  });

  it('validates an IP identifier with an iPAddress SAN, sending its reverse-DNS name as SNI (RFC 8738 6)', async () => {
    const port = await tlsServer(['subjectAltName=IP:127.0.0.1', acmeExt(KEYAUTH)]);
    sni.length = 0;
    const r = await validateChallenge(req('127.0.0.1', 'ip'), { ...settings, tlsAlpn01Port: port });
    expect(r.status).toBe('valid');
    expect(sni).toEqual(['1.0.0.127.in-addr.arpa']);
    const other = await tlsServer(['subjectAltName=IP:127.0.0.2', acmeExt(KEYAUTH)]);
    const wrong = await validateChallenge(req('127.0.0.1', 'ip'), { ...settings, tlsAlpn01Port: other });
    expect(wrong).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' } });
    if (wrong.status === 'invalid') expect(wrong.error.detail).toContain('does not name the IP address 127.0.0.1');
  });

  it('is a transient connection error when nothing listens, and refuses loopback unless allowed', async () => {
    const r = await validateChallenge(req('t.test'), { ...settings, tlsAlpn01Port: await freePort() });
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: true });
    const l = await validateChallenge(req('t.test'), { ...settings, allowLoopback: false });
    expect(l).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
  });
});
