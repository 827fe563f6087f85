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

const denial = (operation: string) => ({ code: 403, title: 'Forbidden', description: `${operation} attempt not allowed - please review your user/project privileges` });
const shareWith = (token: string, ref: string, users: string[], projectAccess = true) => call('PUT', `${ref}/acl`, token, { json: { read: { users, 'project-access': projectAccess } } });

describe('dev barbican: secret user metadata', () => {
  it('PUT replaces all of it (201, keys lower-cased), GET shows it', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json).toEqual({ metadata: {} });
    const put = await call('PUT', `${ref}/metadata`, tok.alice, { json: { metadata: { 'OpenStack-CA-Project': ' tenant-a ', role: 'key' } } });
    expect(put.status).toBe(201);
    expect(put.json).toEqual({ metadata_ref: `${ref}/metadata` });
    const got = await call('GET', `${ref}/metadata`, tok.alice);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ metadata: { 'openstack-ca-project': 'tenant-a', role: 'key' } });
    // Replaces, does not merge.
    expect((await call('PUT', `${ref}/metadata`, tok.alice, { json: { metadata: { other: 'x' } } })).status).toBe(201);
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json).toEqual({ metadata: { other: 'x' } });
    // The secret's own metadata does not show it.
    expect((await call('GET', ref, tok.alice)).json.metadata).toBeUndefined();
  });

  it('POST adds one key (201 + Location, 409 if it exists); a key is read, updated and removed by its URL', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    const post = await call('POST', `${ref}/metadata`, tok.alice, { json: { key: 'Env', value: 'prod' } });
    expect(post.status).toBe(201);
    expect(post.json).toEqual({ key: 'env', value: 'prod' });
    expect(post.headers.get('location')).toBe(`${ref}/metadata/env`);
    const again = await call('POST', `${ref}/metadata`, tok.alice, { json: { key: 'env', value: 'dev' } });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ code: 409, title: 'Conflict', description: 'Conflict. Key in request is already in the secret metadata' });

    expect((await call('GET', `${ref}/metadata/env`, tok.alice)).json).toEqual({ key: 'env', value: 'prod' });
    // The URL's key is not lower-cased: stored keys are.
    const upper = await call('GET', `${ref}/metadata/Env`, tok.alice);
    expect(upper.status).toBe(404);
    expect(upper.json.description).toBe('Secret metadata not found.');

    const upd = await call('PUT', `${ref}/metadata/env`, tok.alice, { json: { key: 'env', value: 'staging' } });
    expect(upd.status).toBe(200);
    expect(upd.json).toEqual({ key: 'env', value: 'staging' });
    expect((await call('PUT', `${ref}/metadata/env`, tok.alice, { json: { key: 'other', value: 'x' } })).status).toBe(409);
    expect((await call('PUT', `${ref}/metadata/absent`, tok.alice, { json: { key: 'absent', value: 'x' } })).status).toBe(404);

    const del = await call('DELETE', `${ref}/metadata/env`, tok.alice);
    expect(del.status).toBe(204);
    expect(del.bytes.length).toBe(0);
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json).toEqual({ metadata: {} });
    // No existence check on delete.
    expect((await call('DELETE', `${ref}/metadata/env`, tok.alice)).status).toBe(204);
    // A key takes GET, PUT and DELETE only.
    expect((await call('POST', `${ref}/metadata/env`, tok.alice, { json: { key: 'env', value: 'x' } })).status).toBe(405);
  });

  it('refuses bad bodies: 400 with the validators’ messages, 415 without JSON', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    const put = (json: unknown) => call('PUT', `${ref}/metadata`, tok.alice, { json });
    expect((await put({ metadata: { 'a b': 'x' } })).json.description).toBe('Invalid Key. Key must be URL safe.');
    expect((await put({ metadata: { a: 1 } })).json.description).toBe('Invalid Metadata. Keys and Values must be Strings.');
    expect((await put({})).json.description).toBe("Provided object does not match schema 'SecretMetadata': 'metadata' is a required property. Invalid property: 'metadata'");
    const post = await call('POST', `${ref}/metadata`, tok.alice, { json: { key: 'a' } });
    expect(post.status).toBe(400);
    expect(post.json.description).toBe("Provided object does not match schema 'SecretMetadatum': 'value' is a required property. Invalid property: 'value'");
    expect((await call('PUT', `${ref}/metadata`, tok.alice, { body: '{"metadata":{}}', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
  });

  it('another project can neither read nor write it; a reader-only user cannot read it', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    await call('PUT', `${ref}/metadata`, tok.alice, { json: { metadata: { 'openstack-ca-project': 'a' } } });
    expect((await call('GET', `${ref}/metadata`, tok.bob)).json).toEqual(denial('Secret metadata retrieval'));
    expect((await call('GET', `${ref}/metadata/openstack-ca-project`, tok.bob)).json).toEqual(denial('Secret metadatum retrieval'));
    expect((await call('PUT', `${ref}/metadata`, tok.bob, { json: { metadata: { 'openstack-ca-project': 'b' } } })).json).toEqual(denial('Secret metadata creation'));
    expect((await call('POST', `${ref}/metadata`, tok.bob, { json: { key: 'x', value: 'y' } })).json).toEqual(denial('Secret metadatum creation'));
    expect((await call('PUT', `${ref}/metadata/openstack-ca-project`, tok.bob, { json: { key: 'openstack-ca-project', value: 'b' } })).json).toEqual(denial('Secret metadatum update'));
    expect((await call('DELETE', `${ref}/metadata/openstack-ca-project`, tok.bob)).json).toEqual(denial('Secret metadatum removal'));
    expect((await call('GET', `${ref}/metadata`, tok.carol)).status).toBe(403);
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json).toEqual({ metadata: { 'openstack-ca-project': 'a' } });
  });

  it('a user named in the read ACL reads it but cannot change it (the owner tag holds)', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    await call('PUT', `${ref}/metadata`, tok.alice, { json: { metadata: { 'openstack-ca-project': DEV_FIXTURES.projects['tenant-a'].id } } });
    expect((await call('GET', `${ref}/metadata`, tok.caworker)).status).toBe(403);
    await shareWith(tok.alice, ref, [DEV_FIXTURES.users.caworker.id, DEV_FIXTURES.users.bob.id]);
    for (const t of [tok.caworker, tok.bob]) {
      const got = await call('GET', `${ref}/metadata`, t);
      expect(got.status).toBe(200);
      expect(got.json.metadata).toEqual({ 'openstack-ca-project': DEV_FIXTURES.projects['tenant-a'].id });
      expect((await call('GET', `${ref}/metadata/openstack-ca-project`, t)).status).toBe(200);
      expect((await call('PUT', `${ref}/metadata`, t, { json: { metadata: { 'openstack-ca-project': 'mine' } } })).status).toBe(403);
      expect((await call('POST', `${ref}/metadata`, t, { json: { key: 'k', value: 'v' } })).status).toBe(403);
      expect((await call('DELETE', `${ref}/metadata/openstack-ca-project`, t)).status).toBe(403);
    }
    // The service project's admin is no admin of the secret's project.
    expect((await call('PUT', `${ref}/metadata`, tok.barbican, { json: { metadata: {} } })).status).toBe(403);
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json.metadata).toEqual({ 'openstack-ca-project': DEV_FIXTURES.projects['tenant-a'].id });
  });

  it('of a private secret: its creator and the project admin write it, an ACL user still reads it', async () => {
    const ref = await storeBinary(tok.caworker, randomBytes(16));
    await shareWith(tok.caworker, ref, [DEV_FIXTURES.users.alice.id], false);
    expect((await call('PUT', `${ref}/metadata`, tok.caworker, { json: { metadata: { a: 'b' } } })).status).toBe(201);
    expect((await call('POST', `${ref}/metadata`, tok.barbican, { json: { key: 'c', value: 'd' } })).status).toBe(201);
    expect((await call('GET', `${ref}/metadata`, tok.alice)).json.metadata).toEqual({ a: 'b', c: 'd' });
  });

  it('goes with its secret', async () => {
    const ref = await storeBinary(tok.alice, randomBytes(16));
    await call('PUT', `${ref}/metadata`, tok.alice, { json: { metadata: { a: 'b' } } });
    expect((await call('DELETE', ref, tok.alice)).status).toBe(204);
    const gone = await call('GET', `${ref}/metadata`, tok.alice);
    expect(gone.status).toBe(404);
    expect(gone.json.description).toBe('Secret not found.');
  });
});

describe('dev barbican: containers', () => {
  const certificateRefs = async (token: string, names = ['certificate', 'private_key', 'intermediates']) => {
    const refs: { name: string; secret_ref: string }[] = [];
    for (const name of names) refs.push({ name, secret_ref: await storeBinary(token, randomBytes(16), { name }) });
    return refs;
  };
  const create = (token: string, json: unknown) => call('POST', '/v1/containers', token, { json });

  it('creates a certificate container (201 + Location) and shows it like Barbican', async () => {
    const refs = await certificateRefs(tok.alice);
    const r = await create(tok.alice, { type: 'certificate', name: 'tls', secret_refs: refs });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ container_ref: expect.stringMatching(new RegExp(`^${bb}/v1/containers/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)) });
    expect(r.headers.get('location')).toBe(r.json.container_ref);
    const got = await call('GET', r.json.container_ref, tok.alice);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      container_ref: r.json.container_ref,
      type: 'certificate',
      name: 'tls',
      status: 'ACTIVE',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/),
      updated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      creator_id: DEV_FIXTURES.users.alice.id,
      secret_refs: refs,
      consumers: [],
    });
    expect(JSON.stringify(got.json)).not.toContain(DEV_FIXTURES.projects['tenant-a'].id);
    expect(os.barbican.ownerOf(r.json.container_ref)).toBe(DEV_FIXTURES.projects['tenant-a'].id);
    // Generic and rsa containers, and a certificate container of the certificate alone.
    expect((await create(tok.alice, { type: 'generic', secret_refs: [{ secret_ref: refs[0].secret_ref }] })).status).toBe(201);
    expect((await create(tok.alice, { type: 'certificate', secret_refs: [refs[0]] })).status).toBe(201);
    const rsa = await certificateRefs(tok.alice, ['public_key', 'private_key', 'private_key_passphrase']);
    expect((await create(tok.alice, { type: 'rsa', secret_refs: rsa })).status).toBe(201);
  });

  it('validates the body like Barbican’s ContainerValidator', async () => {
    const [cert, key] = await certificateRefs(tok.alice, ['certificate', 'private_key']);
    const cases: [unknown, string][] = [
      [{ name: 'x' }, "Provided object does not match schema 'Container': 'type' is a required property. Invalid property: 'None'"],
      [{ type: 'dsa' }, "Provided object does not match schema 'Container': 'dsa' is not one of ['generic', 'rsa', 'certificate']. Invalid property: 'type'"],
      [{ type: 'certificate', secret_refs: [{ ...key }] }, "Provided object does not match schema 'Container': The minimum required reference name is 'certificate' for Certificate type. Invalid property: 'secret_refs'"],
      [
        { type: 'certificate', secret_refs: [cert, { name: 'ca', secret_ref: key.secret_ref }] },
        "Provided object does not match schema 'Container': only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' reference names are allowed for Certificate type. Invalid property: 'secret_refs'",
      ],
      [{ type: 'generic', secret_refs: [cert, { name: 'certificate', secret_ref: key.secret_ref }] }, "Provided object does not match schema 'Container': Duplicate reference names are not allowed. Invalid property: 'secret_refs'"],
      [{ type: 'generic', secret_refs: [cert, { name: 'other', secret_ref: cert.secret_ref }] }, "Provided object does not match schema 'Container': Duplicate secret ids are not allowed. Invalid property: 'secret_refs'"],
      [{ type: 'generic', secret_refs: [{ name: 'a' }] }, "Provided object does not match schema 'Container': 'secret_ref' is a required property. Invalid property: 'secret_refs'"],
      [{ type: 'rsa', secret_refs: [key] }, "Provided object does not match schema 'Container': The minimum required reference names are 'public_key' and'private_key' for RSA type. Invalid property: 'secret_refs'"],
      // No spoofing: a reference to another Barbican.
      [{ type: 'certificate', secret_refs: [{ name: 'certificate', secret_ref: cert.secret_ref.replace(bb, 'http://barbican.example.org') }] }, 'Provided field value is not supported'],
    ];
    for (const [body, description] of cases) {
      const r = await create(tok.alice, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toEqual({ code: 400, title: 'Bad Request', description });
    }
    expect((await call('POST', '/v1/containers', tok.alice, { body: '{}', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
  });

  it('takes only secrets of the caller’s project: another project’s is not found, even one shared by ACL', async () => {
    const [bobs] = await certificateRefs(tok.bob, ['certificate']);
    await shareWith(tok.bob, bobs.secret_ref, [DEV_FIXTURES.users.alice.id]);
    expect((await call('GET', `${bobs.secret_ref}/payload`, tok.alice)).status).toBe(200);
    const r = await create(tok.alice, { type: 'certificate', secret_refs: [bobs] });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ code: 404, title: 'Not Found', description: "Secret provided for 'certificate' doesn't exist." });
    const unknown = await create(tok.alice, { type: 'generic', secret_refs: [{ secret_ref: `${bb}/v1/secrets/6c2b1f9e-8f53-4c2a-9d1e-3f0e0c6f2a11` }] });
    expect(unknown.json.description).toBe("Secret provided for 'None' doesn't exist.");
    // Creating needs admin or creator, as secrets do.
    expect((await create(tok.carol, { type: 'generic' })).json).toEqual(denial('Container creation'));
    expect(os.barbican.containerCount()).toBeGreaterThan(0);
  });

  it('another project gets 403; the user named in the container’s read ACL reads it and nothing more', async () => {
    const refs = await certificateRefs(tok.alice);
    const { container_ref: ref } = (await create(tok.alice, { type: 'certificate', name: 'shared', secret_refs: refs })).json;
    for (const t of [tok.bob, tok.caworker, tok.carol]) expect((await call('GET', ref, t)).json).toEqual(denial('Container retrieval'));
    expect((await call('DELETE', ref, tok.bob)).json).toEqual(denial('Container deletion'));
    expect((await call('PUT', `${ref}/acl`, tok.bob, { json: { read: { users: [DEV_FIXTURES.users.bob.id] } } })).json).toEqual(denial('ContainerACL(s) Update'));
    expect((await call('GET', `${ref}/acl`, tok.bob)).json).toEqual(denial('ContainerACL(s) retrieval'));

    expect((await call('GET', `${ref}/acl`, tok.alice)).json).toEqual({ read: { 'project-access': true } });
    const acl = await shareWith(tok.alice, ref, [DEV_FIXTURES.users.caworker.id]);
    expect(acl.status).toBe(200);
    expect(acl.json).toEqual({ acl_ref: `${ref}/acl` });
    const shown = await call('GET', `${ref}/acl`, tok.alice);
    expect(shown.json.read).toMatchObject({ users: [DEV_FIXTURES.users.caworker.id], 'project-access': true });

    const seen = await call('GET', ref, tok.caworker);
    expect(seen.status).toBe(200);
    expect(seen.json.secret_refs).toEqual(refs);
    // The container's ACL is not its secrets': they stay unreadable until shared themselves.
    expect((await call('GET', `${refs[0].secret_ref}/payload`, tok.caworker)).status).toBe(403);
    expect((await call('DELETE', ref, tok.caworker)).status).toBe(403);
    expect((await call('GET', `${ref}/acl`, tok.caworker)).status).toBe(403);
    expect((await call('DELETE', `${ref}/acl`, tok.caworker)).json).toEqual(denial('ContainerACL(s) deletion'));
    expect((await call('GET', ref, tok.bob)).status).toBe(403);

    // PATCH keeps the users it is not given; DELETE goes back to the implicit ACL.
    expect((await call('PATCH', `${ref}/acl`, tok.alice, { json: { read: { 'project-access': false } } })).status).toBe(200);
    expect((await call('GET', `${ref}/acl`, tok.alice)).json.read).toMatchObject({ users: [DEV_FIXTURES.users.caworker.id], 'project-access': false });
    expect((await call('GET', ref, tok.caworker)).status).toBe(200);
    expect((await call('DELETE', `${ref}/acl`, tok.alice)).status).toBe(200);
    expect((await call('GET', `${ref}/acl`, tok.alice)).json).toEqual({ read: { 'project-access': true } });
    expect((await call('GET', ref, tok.caworker)).status).toBe(403);
  });

  it("lists the project's own containers with limit, offset, total and paging links", async () => {
    const t = os.keystone.issueToken('bob', 'tenant-b');
    const before = (await call('GET', '/v1/containers', t)).json.total as number;
    for (let i = 0; i < 3; i++) expect((await create(t, { type: 'generic', name: `clist-${i}` })).status).toBe(201);
    await create(tok.alice, { type: 'generic', name: 'clist-a' });
    const all = await call('GET', '/v1/containers?limit=100', t);
    expect(all.json.total).toBe(before + 3);
    expect(all.json.containers.every((c: { creator_id: string }) => c.creator_id === DEV_FIXTURES.users.bob.id)).toBe(true);
    const page = await call('GET', `/v1/containers?limit=1&offset=${before + 1}`, t);
    expect(page.json.containers).toHaveLength(1);
    expect(page.json.containers[0]).toMatchObject({ name: 'clist-1', type: 'generic', secret_refs: [], consumers: [] });
    expect(page.json.previous).toBe(`${bb}/v1/containers?limit=1&offset=${before}`);
    expect(page.json.next).toBe(`${bb}/v1/containers?limit=1&offset=${before + 2}`);
    expect((await call('GET', '/v1/containers?name=clist-2', t)).json.containers.map((c: { name: string }) => c.name)).toEqual(['clist-2']);
    expect((await call('GET', '/v1/containers?type=rsa', t)).json).toEqual({ containers: [], total: 0 });
    expect((await call('GET', '/v1/containers', tok.carol)).json).toEqual(denial('Containers(s) retrieval'));
  });

  it('deletes: 204, then 404; bad and unknown ids are 404', async () => {
    const { container_ref: ref } = (await create(tok.alice, { type: 'generic' })).json;
    const d = await call('DELETE', ref, tok.alice);
    expect(d.status).toBe(204);
    expect(d.bytes.length).toBe(0);
    const gone = await call('GET', ref, tok.alice);
    expect(gone.json).toEqual({ code: 404, title: 'Not Found', description: 'Secrets container not found.' });
    expect((await call('GET', '/v1/containers/not-a-uuid', tok.alice)).json.description).toBe('Not Found. Provided container id is invalid.');
    expect((await call('GET', '/v1/containers/6c2b1f9e-8f53-4c2a-9d1e-3f0e0c6f2a11/acl', tok.bob)).status).toBe(404);
  });

  it('a deleted secret leaves its containers; secrets are added to and removed from generic ones only', async () => {
    const [a, b] = await certificateRefs(tok.alice, ['certificate', 'private_key']);
    const { container_ref: ref } = (await create(tok.alice, { type: 'generic', secret_refs: [a, b] })).json;
    expect((await call('DELETE', a.secret_ref, tok.alice)).status).toBe(204);
    expect((await call('GET', ref, tok.alice)).json.secret_refs).toEqual([b]);

    const [c] = await certificateRefs(tok.alice, ['extra']);
    const added = await call('POST', `${ref}/secrets`, tok.alice, { json: c });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({ container_ref: ref });
    expect((await call('POST', `${ref}/secrets`, tok.alice, { json: c })).status).toBe(409);
    expect((await call('GET', ref, tok.alice)).json.secret_refs).toEqual([b, c]);
    expect((await call('POST', `${ref}/secrets`, tok.bob, { json: c })).json).toEqual(denial('Container Secret creation'));
    const removed = await call('DELETE', `${ref}/secrets`, tok.alice, { json: c });
    expect(removed.status).toBe(204);
    const again = await call('DELETE', `${ref}/secrets`, tok.alice, { json: c });
    expect(again.json).toEqual({ code: 404, title: 'Not Found', description: 'Secret provided is not in the container' });

    const cert = (await create(tok.alice, { type: 'certificate', secret_refs: [{ name: 'certificate', secret_ref: b.secret_ref }] })).json.container_ref;
    expect((await call('POST', `${cert}/secrets`, tok.alice, { json: c })).json.description).toBe("Only 'generic' containers can be modified.");
  });
});
