import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../../../fuzz/answers.js';
import { reasonKind } from '../../../fuzz/after.js';
import { Tally } from '../../../fuzz/report.js';
import { describeRequest, send, type FuzzRequest } from '../../../fuzz/send.js';

/** `npm run fuzz` counts as a finding every answer that is not a 2xx or a coded 4xx of the route's shape. */
const error = (code: string) => JSON.stringify({ error: { code, status: 400, message: 'm' } });

describe('the fuzz verdict on an answer', () => {
  it('passes a coded 4xx and a 2xx of the route’s content type', () => {
    expect(judge('json', { status: 400, contentType: 'application/json', text: error('BODY_INVALID') })).toEqual({ ok: true, outcome: 'refused', code: 'BODY_INVALID' });
    expect(judge('json', { status: 202, contentType: 'application/json; charset=utf-8', text: '{"job":{}}' })).toEqual({ ok: true, outcome: 'accepted', status: 202 });
    expect(judge('json', { status: 204, contentType: '', text: '' }).ok).toBe(true);
    expect(judge('json', { status: 300, contentType: 'application/json', text: '{"versions":{}}' }).ok).toBe(true);
    expect(judge('ocsp', { status: 200, contentType: 'application/ocsp-response', text: '0\u0003' }).ok).toBe(true);
    expect(judge('ocsp', { status: 404, contentType: 'application/json', text: error('CA_NOT_FOUND') })).toMatchObject({ ok: true, code: 'CA_NOT_FOUND' });
    expect(judge('acme', { status: 400, contentType: 'application/problem+json', text: '{"type":"urn:ietf:params:acme:error:malformed"}' })).toEqual({ ok: true, outcome: 'refused', code: 'acme:malformed' });
    expect(judge('acme', { status: 400, contentType: '', text: '', head: true }).ok).toBe(true);
  });

  it('finds a 5xx, an answer that is not JSON, and a 4xx without a code', () => {
    expect(judge('json', { status: 502, contentType: 'application/json', text: error('X') })).toMatchObject({ ok: false, finding: 'server error' });
    expect(judge('json', { status: 400, contentType: 'text/html', text: '<p>' })).toMatchObject({ ok: false, finding: 'not JSON' });
    expect(judge('json', { status: 400, contentType: 'application/json', text: '{"error":' })).toMatchObject({ ok: false, finding: 'not JSON' });
    expect(judge('json', { status: 200, contentType: 'application/json', text: '{' })).toMatchObject({ ok: false, finding: 'not JSON' });
    expect(judge('json', { status: 404, contentType: 'application/json', text: '{"message":"Not Found"}' })).toMatchObject({ ok: false, finding: 'no code' });
    expect(judge('acme', { status: 400, contentType: 'application/json', text: error('X') })).toMatchObject({ ok: false, finding: 'not JSON' });
    expect(judge('acme', { status: 400, contentType: 'application/problem+json', text: '{"type":"about:blank"}' })).toMatchObject({ ok: false, finding: 'no code' });
  });
});

describe('sending a fuzz case', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // /hang never answers; anything else echoes a coded 400.
    server = createServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(400, { 'Content-Type': 'application/json' }).end(error(String(req.headers['x-auth-token'] ?? 'none')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const req = (path: string): FuzzRequest => ({ category: 'body', label: 'x', kind: 'json', method: 'POST', path, headers: {}, body: '{}', token: 'admin' });

  it('sends the named token, and counts no answer in time as a hang and a refused connection as dropped', async () => {
    const opts = { apiUrl: url, tokens: { admin: 'tok-secret' }, timeoutMs: 300 };
    expect((await send(req('/x'), opts)).verdict).toEqual({ ok: true, outcome: 'refused', code: 'tok-secret' });
    expect((await send(req('/hang'), opts)).verdict).toMatchObject({ ok: false, finding: 'hang' });
    expect((await send(req('/x'), { ...opts, apiUrl: 'http://127.0.0.1:1' })).verdict).toMatchObject({ ok: false, finding: 'connection failed' });
  });

  it('prints a request by its token’s name, never the token', () => {
    const printed = describeRequest({ ...req('/x'), body: 'b'.repeat(2000) });
    expect(printed).toContain('token: admin');
    expect(printed).not.toContain('tok-secret');
    expect(printed).toContain('(2000 characters)');
  });
});

describe('the reason of a failed job', () => {
  it('is readable when it starts with a listed code or says it gave up', () => {
    expect(reasonKind('CSR_MALFORMED: the CSR does not parse')).toEqual({ code: 'CSR_MALFORMED', readable: true });
    expect(reasonKind('gave up after 5 attempts: Barbican did not answer')).toEqual({ code: 'gave up', readable: true });
    expect(reasonKind('TypeError: Cannot read properties of undefined').readable).toBe(false);
    expect(reasonKind('NOT_A_LISTED_CODE: x').readable).toBe(false);
    expect(reasonKind(null).readable).toBe(false);
  });
});

describe('the tally of a category', () => {
  const job = '00000000-0000-4000-8000-000000000001';
  const sent = (status: number, code: string) => ({
    request: { category: 'body' as const, label: 'GET /v1/jobs/{id}: garbage id', kind: 'json' as const, method: 'GET', path: `/v1/jobs/${job}`, headers: {}, token: 'admin' },
    verdict: judge('json', { status, contentType: 'application/json', text: error(code) }),
    status,
    contentType: 'application/json',
    json: { error: { code, status, message: 'm', request_id: 'r' } },
  });

  it('counts refusals by code and findings by kind, keeping the first findings to print', () => {
    const t = new Tally('body');
    t.add(sent(404, 'JOB_NOT_FOUND'), 0);
    t.add(sent(500, 'INTERNAL'), 1);
    expect(t.codes.get('JOB_NOT_FOUND')).toBe(1);
    expect(t.failed).toBe(1);
    expect(t.count('server error')).toBe(1);
    expect(t.examples.map((e) => e.index)).toEqual([1]);
  });

  it('tells apart, without failing, a coded refusal the API document does not list for its route', () => {
    const t = new Tally('body');
    t.add(sent(404, 'JOB_NOT_FOUND'), 0);
    t.add(sent(409, 'CA_NOT_FOUND'), 1);
    expect([...t.undocumented.keys()]).toEqual(['GET /v1/jobs/{id} → 409 CA_NOT_FOUND']);
    expect(t.failed).toBe(0);
  });
});
