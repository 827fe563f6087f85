// Tests of the DEVELOPMENT-ONLY Keystone stand-in (dev/keystone.ts): it must answer like Keystone 22.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createDevKeystone, DEV_FIXTURES, type DevKeystone } from '../../../dev/keystone.js';

let ks: DevKeystone;
let clock = Date.now();
const BARBICAN = 'http://127.0.0.1:9/bb';

beforeAll(async () => {
  ks = await createDevKeystone({ port: 0, barbicanUrl: BARBICAN, tokenTtlSeconds: 600, now: () => clock });
});
afterAll(() => ks.close());

const passwordBody = (name: string, password: string, project?: string, extra: { userDomain?: object; projectDomain?: object } = {}) => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name, domain: extra.userDomain ?? { id: 'default' }, password } } },
    ...(project ? { scope: { project: { name: project, domain: extra.projectDomain ?? { id: 'default' } } } } : {}),
  },
});

async function login(body: unknown, query = '') {
  const res = await fetch(`${ks.url}/auth/tokens${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, token: res.headers.get('x-subject-token'), headers: res.headers, json: (await res.json()) as any };
}

async function validate(auth: string | undefined, subject: string | undefined, query = '', method = 'GET') {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers['X-Auth-Token'] = auth;
  if (subject !== undefined) headers['X-Subject-Token'] = subject;
  const res = await fetch(`${ks.url}/auth/tokens${query}`, { method, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as any) : undefined };
}

const keystoneTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('dev keystone: versions', () => {
  it('GET /v3 is the v3.14 version document', async () => {
    const res = await fetch(ks.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: { id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${ks.url}/` }] } });
  });
  it('GET / lists versions with 300', async () => {
    const res = await fetch(ks.url.replace(/\/v3$/, '/'));
    expect(res.status).toBe(300);
    expect(((await res.json()) as any).versions.values[0].id).toBe('v3.14');
  });
});

describe('dev keystone: password authentication', () => {
  it('issues a project-scoped token: 201, X-Subject-Token, the token document with catalog', async () => {
    const r = await login(passwordBody('alice', 'apass', 'tenant-a'));
    expect(r.status).toBe(201);
    expect(r.token).toMatch(/^gAAAA[A-Za-z0-9_-]{60,}$/);
    const t = r.json.token;
    expect(t.methods).toEqual(['password']);
    expect(t.user).toEqual({ id: DEV_FIXTURES.users.alice.id, name: 'alice', domain: { id: 'default', name: 'Default' }, password_expires_at: null });
    expect(t.project).toEqual({ id: DEV_FIXTURES.projects['tenant-a'].id, name: 'tenant-a', domain: { id: 'default', name: 'Default' } });
    expect(t.roles.map((x: { name: string }) => x.name).sort()).toEqual(['creator', 'member', 'reader']);
    for (const role of t.roles) expect(role.id).toMatch(/^[0-9a-f]{32}$/);
    expect(t.expires_at).toMatch(keystoneTime);
    expect(t.issued_at).toMatch(keystoneTime);
    expect(Date.parse(t.expires_at) - Date.parse(t.issued_at)).toBe(600_000);
    expect(t.audit_ids).toHaveLength(1);
    const km = t.catalog.find((c: { type: string }) => c.type === 'key-manager');
    expect(km.name).toBe('barbican');
    expect(km.endpoints).toContainEqual(expect.objectContaining({ interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: BARBICAN }));
    const id = t.catalog.find((c: { type: string }) => c.type === 'identity');
    expect(id.endpoints).toContainEqual(expect.objectContaining({ interface: 'public', url: ks.url }));
  });

  it('accepts user.id, project.id and domain names; ?nocatalog leaves out the catalog', async () => {
    const r = await login(
      {
        auth: {
          identity: { methods: ['password'], password: { user: { id: DEV_FIXTURES.users.bob.id, password: 'bpass2' } } },
          scope: { project: { id: DEV_FIXTURES.projects['tenant-b'].id } },
        },
      },
      '?nocatalog',
    );
    expect(r.status).toBe(201);
    expect(r.json.token.project.name).toBe('tenant-b');
    expect(r.json.token.catalog).toBeUndefined();
    const byName = await login(passwordBody('caworker', 'cwpass', 'service', { userDomain: { name: 'Default' }, projectDomain: { name: 'Default' } }));
    expect(byName.status).toBe(201);
    expect(byName.json.token.roles.map((x: { name: string }) => x.name)).toEqual(['creator']);
  });

  it('adds implied roles as Keystone bootstrap sets them up (admin -> member -> reader)', async () => {
    const r = await login(passwordBody('barbican', 'bpass', 'service'));
    expect(r.json.token.roles.map((x: { name: string }) => x.name).sort()).toEqual(['admin', 'member', 'reader']);
  });

  it('an unscoped token has no project, roles or catalog', async () => {
    const r = await login(passwordBody('alice', 'apass'));
    expect(r.status).toBe(201);
    expect(r.json.token.project).toBeUndefined();
    expect(r.json.token.roles).toBeUndefined();
    expect(r.json.token.catalog).toBeUndefined();
  });

  it('a wrong password is 401 in Keystone error shape, with WWW-Authenticate', async () => {
    const r = await login(passwordBody('alice', 'nope', 'tenant-a'));
    expect(r.status).toBe(401);
    expect(r.token).toBeNull();
    expect(r.json).toEqual({ error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    expect(r.headers.get('www-authenticate')).toBe(`Keystone uri="${ks.url.replace(/\/v3$/, '')}"`);
  });

  it('an unknown user, an unknown project or a wrong domain is 401', async () => {
    expect((await login(passwordBody('mallory', 'x', 'tenant-a'))).status).toBe(401);
    expect((await login(passwordBody('alice', 'apass', 'tenant-z'))).status).toBe(401);
    expect((await login(passwordBody('alice', 'apass', 'tenant-a', { userDomain: { id: 'other' } }))).status).toBe(401);
  });

  it('a user with no role on the project is 401', async () => {
    const r = await login(passwordBody('carol', 'cpass3', 'tenant-b'));
    expect(r.status).toBe(401);
    expect(r.json.error.title).toBe('Unauthorized');
    const ok = await login(passwordBody('carol', 'cpass3', 'tenant-a'));
    expect(ok.json.token.roles.map((x: { name: string }) => x.name)).toEqual(['reader']);
  });

  it('a user name without a domain is 400', async () => {
    const r = await login({ auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'apass' } } } } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^Expecting to find domain in user/);
  });
});

describe('dev keystone: token validation', () => {
  it('a token validating itself is 200 with the same document as at issue', async () => {
    const r = await login(passwordBody('alice', 'apass', 'tenant-a'));
    const v = await validate(r.token!, r.token!);
    expect(v.status).toBe(200);
    expect(v.headers.get('x-subject-token')).toBe(r.token);
    expect(v.json).toEqual(r.json);
    const nc = await validate(r.token!, r.token!, '?nocatalog');
    expect(nc.status).toBe(200);
    expect(nc.json.token.catalog).toBeUndefined();
    expect({ ...nc.json.token, catalog: r.json.token.catalog }).toEqual(r.json.token);
  });

  it('another token of the same user validates too (token_subject is the user)', async () => {
    const a1 = ks.issueToken('alice', 'tenant-a');
    const a2 = ks.issueToken('alice');
    expect((await validate(a1, a2)).status).toBe(200);
  });

  it("a user validating another user's token is 403; an admin may", async () => {
    const alice = ks.issueToken('alice', 'tenant-a');
    const bob = ks.issueToken('bob', 'tenant-b');
    const v = await validate(alice, bob);
    expect(v.status).toBe(403);
    expect(v.json).toEqual({ error: { code: 403, message: 'You are not authorized to perform the requested action: identity:validate_token.', title: 'Forbidden' } });
    expect((await validate(ks.issueToken('barbican', 'service'), bob)).status).toBe(200);
    expect((await validate(ks.issueToken('caworker', 'service'), bob)).status).toBe(403);
  });

  it('a garbage subject token is 404, even for an admin', async () => {
    const v = await validate(ks.issueToken('admin', 'admin'), 'gAAAAAgarbage');
    expect(v.status).toBe(404);
    expect(v.json.error).toMatchObject({ code: 404, title: 'Not Found' });
    expect((await validate(ks.issueToken('alice', 'tenant-a'), 'garbage')).status).toBe(404);
  });

  it('a garbage or missing X-Auth-Token is 401', async () => {
    const alice = ks.issueToken('alice', 'tenant-a');
    const v = await validate('garbage', alice);
    expect(v.status).toBe(401);
    expect(v.json.error.code).toBe(401);
    expect(v.headers.get('www-authenticate')).toMatch(/^Keystone uri="/);
    expect((await validate(undefined, alice)).status).toBe(401);
  });

  it('HEAD checks a token without a body', async () => {
    const alice = ks.issueToken('alice', 'tenant-a');
    const v = await validate(alice, alice, '', 'HEAD');
    expect(v.status).toBe(200);
    expect(v.json).toBeUndefined();
  });

  it('DELETE revokes: the token stops validating and stops authenticating', async () => {
    const alice = ks.issueToken('alice', 'tenant-a');
    const other = ks.issueToken('alice', 'tenant-a');
    expect((await validate(alice, alice, '', 'DELETE')).status).toBe(204);
    expect((await validate(other, alice)).status).toBe(404);
    expect((await validate(alice, other)).status).toBe(401);
    expect(ks.lookup(alice)).toBeUndefined();
  });

  it('tokens expire after tokenTtlSeconds: the caller gets 401, a subject 404 unless allow_expired', async () => {
    const old = ks.issueToken('alice', 'tenant-a');
    expect(ks.lookup(old)?.roles).toContain('creator');
    clock += 599_000;
    expect((await validate(old, old)).status).toBe(200);
    clock += 2_000;
    const fresh = ks.issueToken('alice', 'tenant-a');
    expect(ks.lookup(old)).toBeUndefined();
    expect((await validate(old, fresh)).status).toBe(401);
    const v = await validate(fresh, old);
    expect(v.status).toBe(404);
    expect(v.json.error.message).toBe('Failed to validate token');
    expect((await validate(fresh, old, '?allow_expired=1')).status).toBe(200);
  });
});

describe('dev keystone: issueToken', () => {
  it('issues like a login and refuses what Keystone refuses', () => {
    const t = ks.issueToken('caworker', 'service');
    expect(ks.lookup(t)).toMatchObject({ userId: DEV_FIXTURES.users.caworker.id, projectId: DEV_FIXTURES.projects.service.id, roles: ['creator'] });
    expect(() => ks.issueToken('carol', 'tenant-b')).toThrow(/no role/);
    expect(() => ks.issueToken('nobody', 'tenant-a')).toThrow(/no user/);
  });
});

describe('dev keystone: validations counted (what the token caches save is measured by)', () => {
  it('counts GET /v3/auth/tokens per subject token, in-process and at /_dev/token-validations', async () => {
    const t = ks.issueToken('alice', 'tenant-a');
    const sha = createHash('sha256').update(t).digest('hex');
    const before = ks.validations();
    await validate(t, t);
    await validate(t, t);
    await validate(t, t, '', 'HEAD');
    expect(ks.validations(t)).toBe(2);
    expect(ks.validations()).toBe(before + 2);
    const res = await fetch(`${ks.url.replace(/\/v3$/, '')}/_dev/token-validations?subject_sha256=${sha}`);
    expect(await res.json()).toEqual({ total: before + 2, subject: 2 });
  });
});
