// Tests of the DEVELOPMENT-ONLY Barbican stand-in (dev/barbican.ts): it must answer like Barbican 15 with its default policy.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';
import { DEV_FIXTURES } from '../../../dev/fixtures.js';

let os: DevOpenStack;
let bb: string;
const tok: Record<string, string> = {};

beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  bb = os.barbicanUrl;
  tok.alice = os.keystone.issueToken('alice', 'tenant-a');
  tok.bob = os.keystone.issueToken('bob', 'tenant-b');
  tok.carol = os.keystone.issueToken('carol', 'tenant-a');
  tok.caworker = os.keystone.issueToken('caworker', 'service');
  tok.barbican = os.keystone.issueToken('barbican', 'service');
});
afterAll(() => os.close());

async function call(method: string, path: string, token: string | undefined, opts: { json?: unknown; accept?: string; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (token) headers['X-Auth-Token'] = token;
  if (opts.accept) headers.Accept = opts.accept;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(path.startsWith('http') ? path : `${bb}${path}`, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, bytes, json: type.startsWith('application/json') && bytes.length ? (JSON.parse(bytes.toString('utf8')) as any) : undefined };
}

const store = (token: string, secret: Record<string, unknown>) => call('POST', '/v1/secrets', token, { json: secret });
async function storeBinary(token: string, payload: Buffer, extra: Record<string, unknown> = {}) {
  const r = await store(token, { name: 'k', payload: payload.toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64', ...extra });
  expect(r.status).toBe(201);
  return r.json.secret_ref as string;
}

describe('dev barbican: versions and authentication', () => {
  it('GET / is a 300 versions document without a token', async () => {
    const r = await call('GET', '/', undefined);
    expect(r.status).toBe(300);
    expect(r.json.versions.values[0]).toMatchObject({ id: 'v1', status: 'stable', links: [{ rel: 'self', href: `${bb}/v1/` }, { rel: 'describedby' }] });
  });

  it('every /v1 call needs a valid X-Auth-Token: 401 in keystonemiddleware shape', async () => {
    for (const t of [undefined, 'garbage']) {
      const r = await call('GET', '/v1/secrets', t);
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      expect(r.headers.get('www-authenticate')).toBe(`Keystone uri="${os.keystoneUrl}"`);
    }
    expect((await call('GET', '/v1', tok.alice)).json.version.id).toBe('v1');
  });

  it('a revoked token is refused', async () => {
    const t = os.keystone.issueToken('alice', 'tenant-a');
    expect((await call('GET', '/v1/secrets', t)).status).toBe(200);
    os.keystone.revoke(t);
    expect((await call('GET', '/v1/secrets', t)).status).toBe(401);
  });
});

describe('dev barbican: secrets', () => {
  it('stores a binary secret (base64) and reads the same bytes back', async () => {
    const key = randomBytes(300);
    const r = await store(tok.alice, { name: 'ca-key', payload: key.toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64', secret_type: 'private', algorithm: 'EC', bit_length: 256 });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(['secret_ref']);
    expect(r.json.secret_ref).toMatch(new RegExp(`^${bb}/v1/secrets/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
    expect(r.headers.get('location')).toBe(r.json.secret_ref);

    const p = await call('GET', `${r.json.secret_ref}/payload`, tok.alice, { accept: 'application/octet-stream' });
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toBe('application/octet-stream');
    expect(p.bytes.equals(key)).toBe(true);
    // fetch sends Accept: */*, which means the stored type.
    const any = await call('GET', `${r.json.secret_ref}/payload`, tok.alice);
    expect(any.bytes.equals(key)).toBe(true);
  });

  it('shows metadata without the owning project', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(32), { name: 'meta', secret_type: 'symmetric', algorithm: 'aes', bit_length: 256, mode: 'cbc' });
    const m = await call('GET', ref, tok.alice, { accept: 'application/json' });
    expect(m.status).toBe(200);
    expect(m.json).toMatchObject({
      name: 'meta',
      secret_ref: ref,
      secret_type: 'symmetric',
      status: 'ACTIVE',
      algorithm: 'aes',
      bit_length: 256,
      mode: 'cbc',
      expiration: null,
      creator_id: DEV_FIXTURES.users.alice.id,
      content_types: { default: 'application/octet-stream' },
    });
    expect(m.json.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    expect(JSON.stringify(m.json)).not.toContain(DEV_FIXTURES.projects['tenant-a'].id);
    expect(os.barbican.ownerOf(ref)).toBe(DEV_FIXTURES.projects['tenant-a'].id);
  });

  it('stores and reads text/plain', async () => {
    const r = await store(tok.alice, { name: 'pw', payload: 'héllo wörld', payload_content_type: 'text/plain' });
    expect(r.status).toBe(201);
    const p = await call('GET', `${r.json.secret_ref}/payload`, tok.alice, { accept: 'text/plain' });
    expect(p.bytes.toString('utf8')).toBe('héllo wörld');
    expect((await call('GET', r.json.secret_ref, tok.alice)).json.content_types).toEqual({ default: 'text/plain' });
  });

  it('an Accept it cannot produce is 406', async () => {
    const ref = await storeBinary(tok.alice, Buffer.from([0xff, 0xfe, 0x00]));
    const r = await call('GET', `${ref}/payload`, tok.alice, { accept: 'application/json' });
    expect(r.status).toBe(406);
    expect(r.json).toEqual({ code: 406, title: 'Not Acceptable', description: 'Secret payload retrieval issue seen - Wrong payload content-type.' });
    expect((await call('GET', `${ref}/payload`, tok.alice, { accept: 'text/plain' })).status).toBe(406);
  });

  it('refuses bad bodies with 400 (and 415 without JSON)', async () => {
    const bad = [
      { name: 'x', payload: '', payload_content_type: 'text/plain' },
      { name: 'x', payload: 'abc' },
      { name: 'x', payload: 'abc', payload_content_type: 'application/octet-stream' },
      { name: 'x', payload: 'abc', payload_content_type: 'text/plain', payload_content_encoding: 'base64' },
      { name: 'x', payload: 'abc', payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64' },
      { name: 'x', payload: 'abc', payload_content_type: 'application/x-unknown' },
      { name: 'x', payload_content_type: 'text/plain' },
      { name: 'x', payload: 'abc', payload_content_type: 'text/plain', secret_type: 'weird' },
      { name: 'x', payload: 'abc', payload_content_type: 'text/plain', bit_length: 'many' },
    ];
    for (const body of bad) {
      const r = await store(tok.alice, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toMatchObject({ code: 400, title: 'Bad Request' });
      expect(r.json.description).toMatch(/^Provided object does not match schema 'Secret': /);
    }
    expect((await call('POST', '/v1/secrets', tok.alice, { body: '{', headers: { 'Content-Type': 'application/json' } })).json.description).toBe('Malformed JSON');
    expect((await call('POST', '/v1/secrets', tok.alice, { body: '{}', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
  });

  it('a secret without payload is created; its payload is 404', async () => {
    const r = await store(tok.alice, { name: 'empty' });
    expect(r.status).toBe(201);
    const p = await call('GET', `${r.json.secret_ref}/payload`, tok.alice);
    expect(p.status).toBe(404);
    expect(p.json.description).toBe('Not Found. Sorry but your secret has no payload.');
    expect((await call('GET', r.json.secret_ref, tok.alice)).json.content_types).toBeUndefined();
  });

  it('another tenant gets 403 on metadata, payload, delete and ACL', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    for (const [method, path] of [
      ['GET', ref],
      ['GET', `${ref}/payload`],
      ['DELETE', ref],
    ] as const) {
      const r = await call(method, path, tok.bob);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.json.title).toBe('Forbidden');
    }
    const p = await call('GET', `${ref}/payload`, tok.bob);
    expect(p.json).toEqual({ code: 403, title: 'Forbidden', description: 'Secret payload retrieval attempt not allowed - please review your user/project privileges' });
    expect((await call('PUT', `${ref}/acl`, tok.bob, { json: { read: { users: [DEV_FIXTURES.users.bob.id] } } })).status).toBe(403);
  });

  it('a reader-only user can neither create nor read (legacy policy: member/reader grant nothing)', async () => {
    const r = await store(tok.carol, { name: 'x', payload: 'abc', payload_content_type: 'text/plain' });
    expect(r.status).toBe(403);
    expect(r.json.description).toBe('Secret creation attempt not allowed - please review your user/project privileges');
    const ref = await storeBinary(tok.alice, randomBytes(16));
    expect((await call('GET', `${ref}/payload`, tok.carol)).status).toBe(403);
    expect((await call('GET', '/v1/secrets', tok.carol)).status).toBe(403);
  });

  it('an ACL naming the CA worker lets it read a secret of another project', async () => {
    const key = randomBytes(48);
    const ref = await storeBinary(tok.alice, key);
    expect((await call('GET', `${ref}/payload`, tok.caworker)).status).toBe(403);
    expect((await call('GET', `${ref}/payload`, tok.barbican)).status).toBe(403);

    const acl = await call('PUT', `${ref}/acl`, tok.alice, { json: { read: { users: [DEV_FIXTURES.users.caworker.id], 'project-access': true } } });
    expect(acl.status).toBe(200);
    expect(acl.json).toEqual({ acl_ref: `${ref}/acl` });

    const p = await call('GET', `${ref}/payload`, tok.caworker, { accept: 'application/octet-stream' });
    expect(p.status).toBe(200);
    expect(p.bytes.equals(key)).toBe(true);
    expect((await call('GET', ref, tok.caworker)).json.creator_id).toBe(DEV_FIXTURES.users.alice.id);
    // Reading is all the ACL gives; and it names a user, not the user's other projects' members.
    expect((await call('DELETE', ref, tok.caworker)).status).toBe(403);
    expect((await call('GET', `${ref}/payload`, tok.barbican)).status).toBe(403);

    const shown = await call('GET', `${ref}/acl`, tok.alice);
    expect(shown.json.read).toMatchObject({ users: [DEV_FIXTURES.users.caworker.id], 'project-access': true });
    // Replacing the ACL without users takes the grant away.
    expect((await call('PUT', `${ref}/acl`, tok.alice, { json: { read: { 'project-access': true } } })).status).toBe(200);
    expect((await call('GET', `${ref}/payload`, tok.caworker)).status).toBe(403);
  });

  it('a private secret (project-access false) is readable by its creator and ACL users only', async () => {
    const ref = await storeBinary(tok.caworker, randomBytes(16));
    expect((await call('GET', `${ref}/payload`, tok.barbican)).status).toBe(200); // admin in the project
    await call('PUT', `${ref}/acl`, tok.caworker, { json: { read: { users: [], 'project-access': false } } });
    expect((await call('GET', `${ref}/payload`, tok.caworker)).status).toBe(200);
    expect((await call('GET', `${ref}/payload`, tok.barbican)).status).toBe(200); // project admin still may
  });

  it('an unknown secret is 404, an id that is not a uuid4 too', async () => {
    const r = await call('GET', '/v1/secrets/6c2b1f9e-8f53-4c2a-9d1e-3f0e0c6f2a11', tok.alice);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ code: 404, title: 'Not Found', description: 'Secret not found.' });
    expect((await call('GET', '/v1/secrets/6c2b1f9e-8f53-4c2a-9d1e-3f0e0c6f2a11/payload', tok.bob)).status).toBe(404);
    expect((await call('GET', '/v1/secrets/not-a-uuid', tok.alice)).json.description).toBe('Not Found. Provided secret id is invalid.');
  });

  it('deletes: 204, then 404', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    const d = await call('DELETE', ref, tok.alice);
    expect(d.status).toBe(204);
    expect(d.bytes.length).toBe(0);
    expect((await call('GET', ref, tok.alice)).status).toBe(404);
    expect((await call('DELETE', ref, tok.alice)).status).toBe(404);
  });

  it("lists the project's own secrets with limit, offset, total and paging links", async () => {
    const t = os.keystone.issueToken('bob', 'tenant-b');
    const before = (await call('GET', '/v1/secrets', t)).json.total as number;
    for (let i = 0; i < 3; i++) await storeBinary(t, randomBytes(8), { name: `list-${i}` });
    await storeBinary(tok.alice, randomBytes(8), { name: 'list-a' });
    const all = await call('GET', '/v1/secrets?limit=100', t);
    expect(all.json.total).toBe(before + 3);
    expect(all.json.secrets.every((s: { creator_id: string }) => s.creator_id === DEV_FIXTURES.users.bob.id)).toBe(true);
    const page = await call('GET', `/v1/secrets?limit=1&offset=${before + 1}`, t);
    expect(page.json.secrets).toHaveLength(1);
    expect(page.json.secrets[0].name).toBe('list-1');
    expect(page.json.previous).toBe(`${bb}/v1/secrets?limit=1&offset=${before}`);
    expect(page.json.next).toBe(`${bb}/v1/secrets?limit=1&offset=${before + 2}`);
    expect((await call('GET', '/v1/secrets?name=list-2', t)).json.secrets.map((s: { name: string }) => s.name)).toEqual(['list-2']);
  });
});
