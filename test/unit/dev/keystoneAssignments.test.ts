// Tests of the DEVELOPMENT-ONLY Keystone's role assignments (dev/keystoneAssignments.ts): bodies, messages
// and default policy as a Keystone 22 (Debian bookworm) answered them for the same fixtures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevKeystone, DEV_FIXTURES, type DevKeystone } from '../../../dev/keystone.js';

let ks: DevKeystone;
beforeAll(async () => {
  ks = await createDevKeystone({ port: 0, barbicanUrl: 'http://127.0.0.1:9/bb' });
});
afterAll(() => ks.close());

const { users, projects, roles, groups } = DEV_FIXTURES;
const TA = projects['tenant-a'].id;
const NONE = '0123456789abcdef0123456789abcdef';

async function login(name: string, password: string, scope: unknown) {
  const res = await fetch(`${ks.url}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } }, scope } }),
  });
  return { status: res.status, token: res.headers.get('x-subject-token') ?? '', json: (await res.json()) as any };
}
const domainToken = async () => (await login('caworker', 'cwpass', { domain: { id: 'default' } })).token;

async function get(path: string, token?: string, method = 'GET') {
  const res = await fetch(`${ks.url}${path}`, { method, headers: token ? { 'X-Auth-Token': token } : {} });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
}
const forbidden = (action: string) => ({ error: { code: 403, title: 'Forbidden', message: `You are not authorized to perform the requested action: ${action}.` } });

describe('dev keystone: domain-scoped tokens', () => {
  it('caworker (reader on Default) gets one, by domain id or name; the document has domain and roles', async () => {
    const r = await login('caworker', 'cwpass', { domain: { id: 'default' } });
    expect(r.status).toBe(201);
    expect(r.json.token.domain).toEqual({ id: 'default', name: 'Default' });
    expect(r.json.token.project).toBeUndefined();
    expect(r.json.token.roles).toEqual([{ id: roles.reader.id, name: 'reader' }]);
    expect((await login('caworker', 'cwpass', { domain: { name: 'Default' } })).status).toBe(201);
  });

  it('a user without a role on the domain, or another domain, is 401', async () => {
    expect((await login('alice', 'apass', { domain: { id: 'default' } })).status).toBe(401);
    expect((await login('caworker', 'cwpass', { domain: { id: 'elsewhere' } })).status).toBe(401);
  });
});

describe('dev keystone: GET /v3/role_assignments', () => {
  it("effective for alice on tenant-a: her three roles, then reader implied by member (Keystone's link shapes)", async () => {
    const q = `user.id=${users.alice.id}&scope.project.id=${TA}&effective`;
    const r = await get(`/role_assignments?${q}`, await domainToken());
    expect(r.status).toBe(200);
    const own = (role: string) => ({
      links: { assignment: `${ks.url}/projects/${TA}/users/${users.alice.id}/roles/${roles[role as 'reader'].id}` },
      scope: { project: { id: TA } },
      user: { id: users.alice.id },
      role: { id: roles[role as 'reader'].id },
    });
    expect(r.json.role_assignments).toEqual([
      own('member'),
      own('creator'),
      own('reader'),
      {
        links: {
          assignment: `${ks.url}/projects/${TA}/users/${users.alice.id}/roles/${roles.member.id}`,
          // Keystone swaps the two in this link.
          prior_role: `${ks.url}/prior_role/${roles.reader.id}/implies/${roles.member.id}`,
        },
        scope: { project: { id: TA } },
        user: { id: users.alice.id },
        role: { id: roles.reader.id },
      },
    ]);
    expect(r.json.links).toEqual({ next: null, self: `${ks.url}/role_assignments?${q}`, previous: null });
  });

  it('without effective, only direct assignments; effective=0 is not effective', async () => {
    const t = await domainToken();
    for (const e of ['', '&effective=0']) {
      const r = await get(`/role_assignments?user.id=${users.alice.id}&scope.project.id=${TA}${e}`, t);
      expect(r.json.role_assignments.map((a: any) => a.role.id)).toEqual([roles.member.id, roles.creator.id, roles.reader.id]);
    }
  });

  it('a group assignment is expanded to its members in effective mode, with the membership link', async () => {
    const t = await domainToken();
    const g = groups['tenant-a-auditors'].id;
    const r = await get(`/role_assignments?user.id=${users.dave.id}&scope.project.id=${TA}&effective`, t);
    expect(r.json.role_assignments).toEqual([
      {
        links: { membership: `${ks.url}/groups/${g}/users/${users.dave.id}`, assignment: `${ks.url}/projects/${TA}/groups/${g}/roles/${roles.reader.id}` },
        scope: { project: { id: TA } },
        user: { id: users.dave.id },
        role: { id: roles.reader.id },
      },
    ]);
    const direct = await get(`/role_assignments?group.id=${g}`, t);
    expect(direct.json.role_assignments).toEqual([
      { links: { assignment: `${ks.url}/projects/${TA}/groups/${g}/roles/${roles.reader.id}` }, scope: { project: { id: TA } }, group: { id: g }, role: { id: roles.reader.id } },
    ]);
    expect((await get(`/role_assignments?user.id=${users.dave.id}&scope.project.id=${TA}`, t)).json.role_assignments).toEqual([]);
  });

  it('no role is an empty list; an unknown user or project is 404 in effective mode only', async () => {
    const t = await domainToken();
    expect((await get(`/role_assignments?user.id=${users.bob.id}&scope.project.id=${TA}&effective`, t)).json.role_assignments).toEqual([]);
    expect(await get(`/role_assignments?user.id=${NONE}&scope.project.id=${TA}&effective`, t)).toEqual({
      status: 404,
      json: { error: { code: 404, title: 'Not Found', message: `Could not find user: ${NONE}.` } },
    });
    expect((await get(`/role_assignments?user.id=${users.alice.id}&scope.project.id=${NONE}&effective`, t)).json.error.message).toBe(`Could not find project: ${NONE}.`);
    expect((await get(`/role_assignments?user.id=${NONE}`, t)).json.role_assignments).toEqual([]);
  });

  it('lists the domain assignment too when no project is asked for', async () => {
    const r = await get(`/role_assignments?user.id=${users.caworker.id}`, await domainToken());
    expect(r.json.role_assignments).toContainEqual({
      links: { assignment: `${ks.url}/domains/default/users/${users.caworker.id}/roles/${roles.reader.id}` },
      scope: { domain: { id: 'default' } },
      user: { id: users.caworker.id },
      role: { id: roles.reader.id },
    });
  });

  it('policy: admin or a domain reader; project-scoped readers and members are 403, no token 401', async () => {
    const q = `/role_assignments?user.id=${users.alice.id}&scope.project.id=${TA}&effective`;
    expect((await get(q, ks.issueToken('admin', 'admin'))).status).toBe(200);
    expect(await get(q, ks.issueToken('caworker', 'service'))).toEqual({ status: 403, json: forbidden('identity:list_role_assignments') });
    expect((await get(q, ks.issueToken('alice', 'tenant-a'))).status).toBe(403);
    expect((await get(q)).status).toBe(401);
    expect((await get(q, 'gAAAAAbogus')).status).toBe(401);
  });

  it('refuses combinations Keystone refuses, and filters it does not implement', async () => {
    const t = await domainToken();
    expect((await get(`/role_assignments?group.id=x&effective`, t)).json.error.message).toBe('Combining effective and group filter will always result in an empty list.');
    expect((await get(`/role_assignments?group.id=x&user.id=y`, t)).status).toBe(400);
    expect((await get(`/role_assignments?include_subtree=1`, t)).status).toBe(400);
  });
});

describe('dev keystone: GET /v3/projects/{id} and GET /v3/roles', () => {
  it("a domain reader reads the domain's projects; an unknown project is 403 to it, 404 to an admin", async () => {
    const t = await domainToken();
    const r = await get(`/projects/${TA}`, t);
    expect(r).toEqual({
      status: 200,
      json: {
        project: {
          id: TA,
          name: 'tenant-a',
          domain_id: 'default',
          description: '',
          enabled: true,
          parent_id: 'default',
          is_domain: false,
          tags: [],
          options: {},
          links: { self: `${ks.url}/projects/${TA}` },
        },
      },
    });
    expect(await get(`/projects/${NONE}`, t)).toEqual({ status: 403, json: forbidden('identity:get_project') });
    expect((await get(`/projects/${NONE}`, ks.issueToken('admin', 'admin'))).json.error.message).toBe(`Could not find project: ${NONE}.`);
    expect((await get(`/projects/${TA}`, ks.issueToken('alice', 'tenant-a'))).status).toBe(200);
    expect((await get(`/projects/${projects['tenant-b'].id}`, ks.issueToken('alice', 'tenant-a'))).status).toBe(403);
  });

  it('roles by name for an admin; 403 to a domain reader', async () => {
    const r = await get('/roles?name=reader', ks.issueToken('admin', 'admin'));
    expect(r.json).toEqual({
      roles: [{ id: roles.reader.id, name: 'reader', domain_id: null, description: null, options: { immutable: true }, links: { self: `${ks.url}/roles/${roles.reader.id}` } }],
      links: { next: null, self: `${ks.url}/roles?name=reader`, previous: null },
    });
    expect((await get('/roles?name=nope', ks.issueToken('admin', 'admin'))).json.roles).toEqual([]);
    expect(await get('/roles?name=reader', await domainToken())).toEqual({ status: 403, json: forbidden('identity:list_roles') });
  });
});

describe('dev keystone: DELETE /v3/projects/{p}/users/{u}/roles/{r}', () => {
  it('admin only; the role and project must exist, then the assignment; the tokens of the scope stop validating', async () => {
    const own = await createDevKeystone({ port: 0, barbicanUrl: 'http://127.0.0.1:9/bb' });
    try {
      const del = async (token: string, p = TA, u = users.carol.id, r = roles.reader.id) => {
        const res = await fetch(`${own.url}/projects/${p}/users/${u}/roles/${r}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } });
        const text = await res.text();
        return { status: res.status, message: text ? JSON.parse(text).error.message : undefined };
      };
      const admin = own.issueToken('admin', 'admin');
      const carol = own.issueToken('carol', 'tenant-a');
      expect(await del(carol)).toEqual({ status: 403, message: 'You are not authorized to perform the requested action: identity:revoke_grant.' });
      expect(await del(admin, TA, users.carol.id, NONE)).toEqual({ status: 404, message: `Could not find role: ${NONE}.` });
      expect(await del(admin, NONE)).toEqual({ status: 404, message: `Could not find project: ${NONE}.` });
      expect(await del(admin)).toEqual({ status: 204, message: undefined });
      expect(await del(admin)).toEqual({
        status: 404,
        message: `Could not find role assignment with role: ${roles.reader.id}, user or group: ${users.carol.id}, project, domain, or system: ${TA}.`,
      });
      // Her token scoped to tenant-a: 401 as a caller, 404 as a subject; no new one either.
      const asSubject = await fetch(`${own.url}/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': carol } });
      expect(asSubject.status).toBe(404);
      expect(((await asSubject.json()) as any).error.message).toBe(`Could not find token: ${carol}.`);
      expect((await fetch(`${own.url}/auth/tokens`, { headers: { 'X-Auth-Token': carol, 'X-Subject-Token': carol } })).status).toBe(401);
      expect(() => own.issueToken('carol', 'tenant-a')).toThrow(/no role/);
      // The instance's own state: the shared fixtures and other instances keep carol's role.
      expect(DEV_FIXTURES.users.carol.roles['tenant-a']).toEqual(['reader']);
      expect(ks.issueToken('carol', 'tenant-a')).toMatch(/^gAAAAA/);
    } finally {
      await own.close();
    }
  });
});
