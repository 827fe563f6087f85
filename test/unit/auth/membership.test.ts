// The worker's project-membership check (lib/auth/membership.ts) against the development Keystone, which
// answers role assignments and policy as Keystone 22 does; Keystone's failures from a scripted stand-in.
// test/openstack/membership.test.ts runs the Keystone cases against a real Keystone.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDevKeystone, DEV_FIXTURES, type DevKeystone } from '../../../dev/keystone.js';
import { closeServer, listen } from '../../../dev/http.js';
import { KeystoneMembership } from '../../../lib/auth/membership.js';
import { ServiceSession, type PasswordCredentials } from '../../../lib/auth/serviceSession.js';
import { keystoresFromEnv } from '../../../lib/keystore/index.js';

const { users, projects } = DEV_FIXTURES;
let ks: DevKeystone;

beforeAll(async () => {
  ks = await createDevKeystone({ port: 0, barbicanUrl: 'http://127.0.0.1:9/bb' });
});
afterAll(() => ks.close());

const creds = (username: string, password: string, projectName = 'service', authUrl = ks.url): PasswordCredentials => ({
  authUrl,
  username,
  password,
  projectName,
  userDomainName: 'Default',
  projectDomainName: 'Default',
});
const worker = () => new KeystoneMembership(new ServiceSession(async () => creds('caworker', 'cwpass')));

describe('KeystoneMembership against the development Keystone', () => {
  it('a member, a reader and a creator of the project hold a role; a user of another project does not', async () => {
    const m = worker();
    expect(await m.holdsRoleOn(users.alice.id, projects['tenant-a'].id)).toBe(true);
    expect(await m.holdsRoleOn(users.carol.id, projects['tenant-a'].id)).toBe(true);
    expect(await m.holdsRoleOn(users.bob.id, projects['tenant-b'].id)).toBe(true);
    expect(await m.holdsRoleOn(users.bob.id, projects['tenant-a'].id)).toBe(false);
    expect(await m.holdsRoleOn(users.alice.id, projects['tenant-b'].id)).toBe(false);
  });

  it('a role through a group counts (dave has none of his own)', async () => {
    expect(DEV_FIXTURES.users.dave.roles).toEqual({});
    expect(await worker().holdsRoleOn(users.dave.id, projects['tenant-a'].id)).toBe(true);
    expect(await worker().holdsRoleOn(users.dave.id, projects['tenant-b'].id)).toBe(false);
  });

  it('a user or project that does not exist holds no role', async () => {
    const m = worker();
    expect(await m.holdsRoleOn('0123456789abcdef0123456789abcdef', projects['tenant-a'].id)).toBe(false);
    expect(await m.holdsRoleOn(users.alice.id, '0123456789abcdef0123456789abcdef')).toBe(false);
  });

  it('once the last role is removed (DELETE /v3/projects/{p}/users/{u}/roles/{r} as admin) the answer is false at once', async () => {
    const ks2 = await createDevKeystone({ port: 0, barbicanUrl: 'http://127.0.0.1:9/bb' });
    try {
      const m = new KeystoneMembership(new ServiceSession(async () => creds('caworker', 'cwpass', 'service', ks2.url)));
      const carolToken = ks2.issueToken('carol', 'tenant-a');
      expect(await m.holdsRoleOn(users.carol.id, projects['tenant-a'].id)).toBe(true);
      const admin = ks2.issueToken('admin', 'admin');
      const roles = (await (await fetch(`${ks2.url}/roles?name=reader`, { headers: { 'X-Auth-Token': admin } })).json()) as { roles: { id: string }[] };
      const res = await fetch(`${ks2.url}/projects/${projects['tenant-a'].id}/users/${users.carol.id}/roles/${roles.roles[0].id}`, { method: 'DELETE', headers: { 'X-Auth-Token': admin } });
      expect(res.status).toBe(204);
      expect(await m.holdsRoleOn(users.carol.id, projects['tenant-a'].id)).toBe(false);
      // As in Keystone her token scoped to the project stops validating.
      expect(ks2.lookup(carolToken)).toBeUndefined();
      // Alice loses only one of her roles: she still holds the others.
      expect(ks2.revokeRole('alice', 'tenant-a', 'member')).toBe(true);
      expect(await m.holdsRoleOn(users.alice.id, projects['tenant-a'].id)).toBe(true);
    } finally {
      await ks2.close();
    }
  });

  it('a service user without the reader role on the domain gets KEYSTONE_MEMBERSHIP_FORBIDDEN, never false', async () => {
    // alice has roles on tenant-a only: Keystone refuses her a domain-scoped token (401).
    const m = new KeystoneMembership(new ServiceSession(async () => creds('alice', 'apass', 'tenant-a')));
    const err = await m.holdsRoleOn(users.alice.id, projects['tenant-a'].id).catch((e) => e);
    expect(err).toMatchObject({ name: 'AppError', code: 'KEYSTONE_MEMBERSHIP_FORBIDDEN', status: 503 });
    expect(err.message).toMatch(/reader role on the service user's own domain/);
    expect(err.message).toMatch(/openstack role add --domain <domain> --user <worker user> reader/);
  });

  it('refuses empty ids rather than asking Keystone an unfiltered question', async () => {
    await expect(worker().holdsRoleOn('', projects['tenant-a'].id)).rejects.toMatchObject({ code: 'MEMBERSHIP_QUERY_INVALID', status: 400 });
    await expect(worker().holdsRoleOn(users.alice.id, '')).rejects.toMatchObject({ code: 'MEMBERSHIP_QUERY_INVALID' });
  });

  it('keystoresFromEnv builds it on the worker session (OS_SERVICE_*)', async () => {
    const { membership } = keystoresFromEnv({ OS_AUTH_URL: ks.url, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'cwpass', OS_SERVICE_PROJECT_NAME: 'service' });
    expect(await membership.holdsRoleOn(users.alice.id, projects['tenant-a'].id)).toBe(true);
    expect(await membership.holdsRoleOn(users.bob.id, projects['tenant-a'].id)).toBe(false);
    const elsewhere = keystoresFromEnv({ OS_AUTH_URL: ks.url, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'cwpass', OS_SERVICE_MEMBERSHIP_DOMAIN_NAME: 'Elsewhere' });
    await expect(elsewhere.membership.holdsRoleOn(users.alice.id, projects['tenant-a'].id)).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_FORBIDDEN', message: expect.stringMatching(/reader role on Elsewhere/) });
  });
});

/** A scripted Keystone: logs in anybody with a domain token, then answers what the test says. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let stub: { server: Server; url: string; handle: Handler; calls: string[]; tokens: string[] } | undefined;
async function startStub(handle: Handler) {
  const calls: string[] = [];
  const tokens: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
      const token = `gAAAAAstub-token-${tokens.length}`;
      tokens.push(token);
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': token });
      res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3600_000).toISOString(), user: { id: 'w' }, domain: { id: 'default', name: 'Default' }, roles: [{ name: 'reader' }] } }));
      return;
    }
    calls.push(`${req.method} ${req.url} ${req.headers['x-auth-token']}`);
    stub!.handle(req, res);
  });
  const port = await listen(server, 0, '127.0.0.1');
  stub = { server, url: `http://127.0.0.1:${port}/v3`, handle, calls, tokens };
  return stub;
}
afterEach(async () => {
  if (stub) await closeServer(stub.server);
  stub = undefined;
});
const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
const stubMembership = (url: string, timeoutMs = 2000) => new KeystoneMembership(new ServiceSession(async () => creds('caworker', 'x', 'service', url)), { timeoutMs });
const noAssignments = { role_assignments: [], links: { next: null, self: 'x', previous: null } };

describe("KeystoneMembership: Keystone's failures are errors, never 'no role'", () => {
  it('403 from role_assignments: KEYSTONE_MEMBERSHIP_FORBIDDEN naming the role, without the token in message or logs', async () => {
    const s = await startStub((_req, res) => json(res, 403, { error: { code: 403, title: 'Forbidden', message: 'You are not authorized to perform the requested action: identity:list_role_assignments.' } }));
    const written: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string) => (written.push(String(c)), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => (written.push(String(c)), true)) as typeof process.stderr.write;
    let e: any;
    try {
      e = await stubMembership(s.url).holdsRoleOn('u1', 'p1').catch((x) => x);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(e).toMatchObject({ name: 'AppError', code: 'KEYSTONE_MEMBERSHIP_FORBIDDEN', status: 503, retryAfter: 30 });
    expect(e.message).toMatch(/Keystone refused to list role assignments \(403\).*reader role on the domain with id default/);
    expect(s.calls).toEqual([`GET /v3/role_assignments?user.id=u1&scope.project.id=p1&effective ${s.tokens[0]}`]);
    expect(written.join('')).toContain('keystone refused the membership check');
    for (const t of s.tokens) {
      expect(written.join('')).not.toContain(t);
      expect(JSON.stringify({ ...e, message: e.message })).not.toContain(t);
    }
  });

  it.each([500, 502, 503, 429, 400])('%i is IDENTITY_UNAVAILABLE (retried), not false', async (status) => {
    const s = await startStub((_req, res) => json(res, status, { error: { code: status, title: 'x', message: 'x' } }));
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE', status: 503 });
  });

  it("a 404 that is not Keystone's 'Could not find user/project' for these ids is an error, not false", async () => {
    const s = await startStub((_req, res) => json(res, 404, { error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } }));
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
    s.handle = (_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>not here</html>');
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
    s.handle = (_req, res) => json(res, 404, { error: { code: 404, title: 'Not Found', message: 'Could not find user: someone-else.' } });
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
  });

  it('an unreachable or silent Keystone is IDENTITY_UNAVAILABLE after the timeout', async () => {
    const s = await startStub(() => undefined);
    const started = Date.now();
    await expect(stubMembership(s.url, 300).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE', status: 503 });
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(stubMembership('http://127.0.0.1:1/v3').holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
  });

  it('a 401 gets a fresh token and one retry; a second 401 is an error', async () => {
    let n = 0;
    const s = await startStub((_req, res) =>
      n++ === 0
        ? json(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } })
        : json(res, 200, { role_assignments: [{ user: { id: 'u1' }, scope: { project: { id: 'p1' } }, role: { id: 'r' }, links: {} }], links: {} }),
    );
    expect(await stubMembership(s.url).holdsRoleOn('u1', 'p1')).toBe(true);
    expect(s.tokens).toHaveLength(2);
    expect(s.calls.map((c) => c.split(' ').pop())).toEqual(s.tokens);
    s.handle = (_req, res) => json(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'x' } });
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p1')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
  });

  it('counts only assignments of this user on this project, whatever else comes back', async () => {
    const s = await startStub((_req, res) =>
      res.req.url!.startsWith('/v3/projects/')
        ? json(res, 200, { project: { id: 'p1', domain_id: 'default' } })
        : json(res, 200, { role_assignments: [{ user: { id: 'u2' }, scope: { project: { id: 'p1' } }, role: { id: 'r' } }, { user: { id: 'u1' }, scope: { project: { id: 'p2' } }, role: { id: 'r' } }] }),
    );
    expect(await stubMembership(s.url).holdsRoleOn('u1', 'p1')).toBe(false);
  });

  it("an empty answer for a project outside the token's domain is KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN, not false", async () => {
    // Keystone shows a domain reader only its domain's assignments, and refuses it other domains' projects.
    const s = await startStub((req, res) =>
      req.url!.startsWith('/v3/projects/')
        ? json(res, 403, { error: { code: 403, title: 'Forbidden', message: 'You are not authorized to perform the requested action: identity:get_project.' } })
        : json(res, 200, noAssignments),
    );
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p9')).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN', status: 503 });
    expect(s.calls.map((c) => c.split(' ')[1])).toEqual(['/v3/role_assignments?user.id=u1&scope.project.id=p9&effective', '/v3/projects/p9']);
    // Readable but in another domain (an admin-like role): still not an answer.
    s.handle = (req, res) => (req.url!.startsWith('/v3/projects/') ? json(res, 200, { project: { id: 'p9', domain_id: 'other' } }) : json(res, 200, noAssignments));
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p9')).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN' });
    s.handle = (req, res) => (req.url!.startsWith('/v3/projects/') ? json(res, 500, {}) : json(res, 200, noAssignments));
    await expect(stubMembership(s.url).holdsRoleOn('u1', 'p9')).rejects.toMatchObject({ code: 'IDENTITY_UNAVAILABLE' });
  });

  it('logs in once (domain scope) for many checks', async () => {
    const s = await startStub((_req, res) => json(res, 200, { role_assignments: [{ user: { id: 'u1' }, scope: { project: { id: 'p1' } }, role: { id: 'r' } }] }));
    const m = stubMembership(s.url);
    await Promise.all([m.holdsRoleOn('u1', 'p1'), m.holdsRoleOn('u1', 'p1')]);
    expect(await m.holdsRoleOn('u1', 'p1')).toBe(true);
    expect(s.tokens).toHaveLength(1);
    expect(s.calls).toHaveLength(3);
  });

  it('encodes the ids into the query', async () => {
    const s = await startStub((_req, res) => json(res, 200, { role_assignments: [{ user: { id: 'a&b' }, scope: { project: { id: 'p/1' } }, role: { id: 'r' } }] }));
    expect(await stubMembership(s.url).holdsRoleOn('a&b', 'p/1')).toBe(true);
    expect(s.calls[0]).toContain('/v3/role_assignments?user.id=a%26b&scope.project.id=p%2F1&effective');
  });
});
