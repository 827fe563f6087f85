// http-01 against real local servers, names resolved through pebble-challtestsrv's DNS.
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChallenge, type ValidationRequest, type ValidationSettings } from '../../../lib/va/index.js';
import { freePort, ipv6Loopback, selfSigned, startChalltestsrv, type Challtestsrv } from './helpers.js';

const TOKEN = 'tok_EN-1234567890abcdef';
const KEYAUTH = `${TOKEN}.thumbprint_ABC-123`;
const PATH = `/.well-known/acme-challenge/${TOKEN}`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** Route key: host name (no port) + path. */
const routes = new Map<string, Handler>();
const seen: { host?: string; path?: string }[] = [];
const handle: Handler = (req, res) => {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '');
  seen.push({ host: req.headers.host, path: req.url });
  const h = routes.get(`${host}${req.url}`);
  if (h) h(req, res);
  else res.writeHead(404).end('not here');
};
const body = (text: string | Buffer): Handler => (_q, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(text);
const redirect = (location: string, status = 302): Handler => (_q, res) => res.writeHead(status, { Location: location }).end();

let cts: Challtestsrv;
let httpPort: number;
let tlsPort: number;
const servers: (http.Server | https.Server)[] = [];
let settings: ValidationSettings;
let v6 = false;

const listen = (s: http.Server | https.Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve());
    servers.push(s);
  });

const req = (value: string, type: 'dns' | 'ip' = 'dns'): ValidationRequest => ({ type: 'http-01', identifier: { type, value }, token: TOKEN, keyAuthorization: KEYAUTH });

beforeAll(async () => {
  cts = await startChalltestsrv();
  httpPort = await freePort();
  tlsPort = await freePort();
  await listen(http.createServer(handle), httpPort, '127.0.0.1');
  const { cert, key } = selfSigned(['subjectAltName=DNS:secure.test']);
  await listen(https.createServer({ cert, key }, handle), tlsPort, '127.0.0.1');
  v6 = await ipv6Loopback();
  if (v6) await listen(http.createServer(handle), httpPort, '::1').catch(() => (v6 = false));
  settings = { resolver: cts.resolver, http01Port: httpPort, tlsAlpn01Port: tlsPort, allowLoopback: true, timeoutMs: 3000 };
  for (const name of ['ok.test', 'wrong.test', 'nf.test', 'ws.test', 'big.test', 'r1.test', 'r2.test', 'loop.test', 'ten.test', 'badport.test', 'ftp.test', 'secure.test', 'toprivate.test', 'slow.test']) {
    await cts.addA(name, ['127.0.0.1']);
  }
  await cts.addA('priv.test', ['10.0.0.1']);
  await cts.addA('mixed.test', ['10.0.0.1', '127.0.0.1']);
  await cts.post('/set-servfail', { host: 'sf.test.' });

  routes.set(`ok.test${PATH}`, body(KEYAUTH));
  routes.set(`mixed.test${PATH}`, body(KEYAUTH));
  routes.set(`wrong.test${PATH}`, body(`${TOKEN}.someone-else`));
  routes.set(`ws.test${PATH}`, body(`${KEYAUTH}\r\n \t\n`));
  routes.set(`big.test${PATH}`, (_q, res) => {
    res.writeHead(200);
    res.end(Buffer.alloc(4 * 1024 * 1024, 'a'));
  });
  routes.set(`r1.test${PATH}`, redirect(`http://r2.test:${httpPort}/step2`, 301));
  routes.set('r2.test/step2', redirect('/step3?x=1', 307));
  routes.set('r2.test/step3?x=1', redirect(`https://secure.test:${tlsPort}/final`));
  routes.set('secure.test/final', body(KEYAUTH));
  routes.set(`badport.test${PATH}`, redirect('http://ok.test:1234/elsewhere'));
  routes.set(`ftp.test${PATH}`, redirect('ftp://ok.test/file'));
  routes.set(`toprivate.test${PATH}`, redirect(`http://10.0.0.1:${httpPort}/x`));
  routes.set(`slow.test${PATH}`, () => {}); // never answers
  // loop.test: /n redirects to /n+1 without end; ten.test: exactly ten redirects, then the answer.
  routes.set(`loop.test${PATH}`, redirect('/1'));
  routes.set(`ten.test${PATH}`, redirect('/1'));
  for (let i = 1; i <= 20; i++) routes.set(`loop.test/${i}`, redirect(`/${i + 1}`));
  for (let i = 1; i < 10; i++) routes.set(`ten.test/${i}`, redirect(`/${i + 1}`));
  routes.set('ten.test/10', body(KEYAUTH));
  routes.set(`127.0.0.1${PATH}`, body(KEYAUTH));
  routes.set(`[::1]${PATH}`, body(KEYAUTH));
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await cts?.stop();
});

describe('http-01', () => {
  it('is valid when the file holds the key authorization, connecting to the address it resolved with Host set to the name', async () => {
    seen.length = 0;
    const r = await validateChallenge(req('ok.test'), settings);
    expect(r).toEqual({
      status: 'valid',
      records: [{ url: `http://ok.test:${httpPort}${PATH}`, hostname: 'ok.test', port: String(httpPort), addressesResolved: ['127.0.0.1'], addressUsed: '127.0.0.1', resolverAddrs: [cts.resolver] }],
    });
    expect(seen).toEqual([{ host: `ok.test:${httpPort}`, path: PATH }]);
  });

  it('is incorrectResponse (not transient) for another body', async () => {
    const r = await validateChallenge(req('wrong.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'incorrectResponse' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('someone-else');
  });

  it('is unauthorized with the status for a 404', async () => {
    const r = await validateChallenge(req('nf.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'unauthorized' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('404');
  });

  it('ignores whitespace at the end of the body (RFC 8555 8.3)', async () => {
    expect((await validateChallenge(req('ws.test'), settings)).status).toBe('valid');
  });

  it('stops reading a body far larger than the key authorization', async () => {
    const start = Date.now();
    const r = await validateChallenge(req('big.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'incorrectResponse' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toMatch(/larger than \d+ bytes/);
    expect(Date.now() - start).toBeLessThan(2500);
  });

  it('follows a redirect chain (absolute, relative, to https on the configured port) re-resolving every hop', async () => {
    const r = await validateChallenge(req('r1.test'), settings);
    expect(r.status).toBe('valid');
    expect(r.records.map((x) => x.url)).toEqual([
      `http://r1.test:${httpPort}${PATH}`,
      `http://r2.test:${httpPort}/step2`,
      `http://r2.test:${httpPort}/step3?x=1`,
      `https://secure.test:${tlsPort}/final`,
    ]);
    expect(r.records.every((x) => x.addressUsed === '127.0.0.1' && x.addressesResolved?.[0] === '127.0.0.1')).toBe(true);
  });

  it('follows ten redirects but refuses the eleventh', async () => {
    const ten = await validateChallenge(req('ten.test'), settings);
    expect(ten.status).toBe('valid');
    expect(ten.records).toHaveLength(11);
    const r = await validateChallenge(req('loop.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toMatch(/Too many redirects/);
    expect(r.records).toHaveLength(11);
  });

  it('refuses a redirect to a port other than 80/443 or the configured ones, and to another scheme', async () => {
    const r = await validateChallenge(req('badport.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toMatch(/Invalid port in redirect target.*1234/);
    const f = await validateChallenge(req('ftp.test'), settings);
    expect(f).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (f.status === 'invalid') expect(f.error.detail).toMatch(/protocol scheme/);
  });

  it('refuses a redirect to a private address', async () => {
    const r = await validateChallenge(req('toprivate.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('private');
  });

  it('refuses loopback unless allowLoopback, without connecting', async () => {
    seen.length = 0;
    const r = await validateChallenge(req('ok.test'), { ...settings, allowLoopback: false });
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('loopback');
    expect(r.records[0].addressesResolved).toEqual(['127.0.0.1']);
    expect(seen).toEqual([]);
  });

  it('refuses a name resolving to a private address, and uses only the public address of a mixed answer', async () => {
    const r = await validateChallenge(req('priv.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('10.0.0.1: private');
    const m = await validateChallenge(req('mixed.test'), settings);
    expect(m.status).toBe('valid');
    expect(m.records[0]).toMatchObject({ addressesResolved: ['10.0.0.1', '127.0.0.1'], addressUsed: '127.0.0.1' });
  });

  it('is a dns error for a name without an A record (not transient) and for SERVFAIL (transient)', async () => {
    const r = await validateChallenge(req('none.test'), settings);
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'dns' }, transient: false });
    if (r.status === 'invalid') expect(r.error.detail).toContain('none.test');
    const s = await validateChallenge(req('sf.test'), settings);
    expect(s).toMatchObject({ status: 'invalid', error: { type: 'dns' }, transient: true });
    if (s.status === 'invalid') expect(s.error.detail).toContain('SERVFAIL');
  });

  it('is a transient connection error when nothing listens, or the server never answers', async () => {
    const closed = await freePort();
    const r = await validateChallenge(req('ok.test'), { ...settings, http01Port: closed });
    expect(r).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: true });
    if (r.status === 'invalid') expect(r.error.detail).toContain('Connection refused');
    const t = await validateChallenge(req('slow.test'), { ...settings, timeoutMs: 300 });
    expect(t).toMatchObject({ status: 'invalid', error: { type: 'connection' }, transient: true });
    if (t.status === 'invalid') expect(t.error.detail).toContain('Timeout');
  });

  it('validates an IPv4 identifier by connecting to it, Host being the address', async () => {
    seen.length = 0;
    const r = await validateChallenge(req('127.0.0.1', 'ip'), settings);
    expect(r).toEqual({
      status: 'valid',
      records: [{ url: `http://127.0.0.1:${httpPort}${PATH}`, hostname: '127.0.0.1', port: String(httpPort), addressesResolved: ['127.0.0.1'], addressUsed: '127.0.0.1' }],
    });
    expect(seen).toEqual([{ host: `127.0.0.1:${httpPort}`, path: PATH }]);
  });

  it('validates an IPv6 identifier with the address in brackets (RFC 8738)', async (ctx) => {
    if (!v6) return ctx.skip();
    seen.length = 0;
    const r = await validateChallenge(req('::1', 'ip'), settings);
    expect(r.status).toBe('valid');
    expect(r.records[0].url).toBe(`http://[::1]:${httpPort}${PATH}`);
    expect(seen).toEqual([{ host: `[::1]:${httpPort}`, path: PATH }]);
  });

  it('rejects an IP identifier that is not public, without connecting', async () => {
    seen.length = 0;
    for (const [ip, allowLoopback] of [['127.0.0.1', false], ['10.1.2.3', true], ['::ffff:192.168.0.1', true], ['169.254.169.254', true]] as const) {
      const r = await validateChallenge(req(ip, 'ip'), { ...settings, allowLoopback });
      expect(r).toMatchObject({ status: 'invalid', error: { type: 'rejectedIdentifier' }, transient: false });
    }
    expect(seen).toEqual([]);
  });
});
