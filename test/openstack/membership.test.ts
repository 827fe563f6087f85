import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoneMembership } from '../../lib/auth/membership.js';
import { ServiceSession } from '../../lib/auth/serviceSession.js';
import { keystoresFromEnv, type ProjectMembership } from '../../lib/keystore/index.js';
import { AUTH_URL, keystoneToken } from '../support/api.js';

/**
 * The worker's membership check (lib/auth/membership.ts) against the real Keystone of
 * scripts/openstack-up.sh, as the worker builds it (keystoresFromEnv: caworker, `reader` on the
 * Default domain). Users, groups and grants it needs beyond the fixtures are made here and removed.
 */
let admin: string;
let membership: ProjectMembership;
const ids: Record<string, string> = {};
const cleanup: (() => Promise<unknown>)[] = [];
const suffix = randomBytes(4).toString('hex');

async function ks(method: string, path: string, body?: unknown, expected = [200, 201, 204]): Promise<any> {
  const res = await fetch(`${AUTH_URL}${path}`, {
    method,
    headers: { 'X-Auth-Token': admin, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
const idOf = async (kind: 'users' | 'projects' | 'roles', name: string) => ((await ks('GET', `/${kind}?name=${name}`))[kind] as { id: string }[])[0].id;

async function tempUser(name: string): Promise<string> {
  const { user } = await ks('POST', '/users', { user: { name: `${name}-${suffix}`, domain_id: 'default', password: 'tmp-pass' } });
  cleanup.push(() => ks('DELETE', `/users/${user.id}`, undefined, [204, 404]));
  return user.id;
}

beforeAll(async () => {
  admin = await keystoneToken('admin', 'secret', 'admin');
  for (const u of ['alice', 'bob', 'carol', 'dave']) ids[u] = await idOf('users', u);
  for (const p of ['tenant-a', 'tenant-b']) ids[p] = await idOf('projects', p);
  for (const r of ['reader', 'member', 'creator']) ids[r] = await idOf('roles', r);
  membership = keystoresFromEnv(process.env).membership;
});
afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo().catch((e) => console.error(`cleanup: ${(e as Error).message}`));
});

describe('membership against the real Keystone', () => {
  it('members, readers and creators of the project hold a role; users of another project do not', async () => {
    expect(await membership.holdsRoleOn(ids.alice, ids['tenant-a'])).toBe(true);
    expect(await membership.holdsRoleOn(ids.carol, ids['tenant-a'])).toBe(true);
    expect(await membership.holdsRoleOn(ids.bob, ids['tenant-b'])).toBe(true);
    expect(await membership.holdsRoleOn(ids.bob, ids['tenant-a'])).toBe(false);
    expect(await membership.holdsRoleOn(ids.carol, ids['tenant-b'])).toBe(false);
  });

  it('a role through a group counts (dave, as in the development fixtures), and stops counting when he leaves the group', async () => {
    expect(await membership.holdsRoleOn(ids.dave, ids['tenant-a'])).toBe(true);
    const user = await tempUser('grouped');
    const { group } = await ks('POST', '/groups', { group: { name: `grp-${suffix}`, domain_id: 'default' } });
    cleanup.push(() => ks('DELETE', `/groups/${group.id}`, undefined, [204, 404]));
    await ks('PUT', `/projects/${ids['tenant-b']}/groups/${group.id}/roles/${ids.creator}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-b'])).toBe(false);
    await ks('PUT', `/groups/${group.id}/users/${user}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-b'])).toBe(true);
    await ks('DELETE', `/groups/${group.id}/users/${user}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-b'])).toBe(false);
  });

  it('a role inherited from the domain counts', async () => {
    const user = await tempUser('inherited');
    await ks('PUT', `/OS-INHERIT/domains/default/users/${user}/roles/${ids.reader}/inherited_to_projects`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(true);
    expect(await membership.holdsRoleOn(user, ids['tenant-b'])).toBe(true);
  });

  it('removing the last role makes it false at once; a deleted user is false too', async () => {
    const user = await tempUser('leaver');
    await ks('PUT', `/projects/${ids['tenant-a']}/users/${user}/roles/${ids.member}`);
    await ks('PUT', `/projects/${ids['tenant-a']}/users/${user}/roles/${ids.reader}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(true);
    await ks('DELETE', `/projects/${ids['tenant-a']}/users/${user}/roles/${ids.member}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(true);
    await ks('DELETE', `/projects/${ids['tenant-a']}/users/${user}/roles/${ids.reader}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(false);
    await ks('PUT', `/projects/${ids['tenant-a']}/users/${user}/roles/${ids.reader}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(true);
    await ks('DELETE', `/users/${user}`);
    expect(await membership.holdsRoleOn(user, ids['tenant-a'])).toBe(false);
    expect(await membership.holdsRoleOn(ids.alice, randomBytes(16).toString('hex'))).toBe(false);
  });

  it("a project of another domain is KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN: Keystone hides it from the Default domain's reader", async () => {
    const { domain } = await ks('POST', '/domains', { domain: { name: `dom-${suffix}` } });
    cleanup.push(async () => {
      await ks('PATCH', `/domains/${domain.id}`, { domain: { enabled: false } }, [200, 404]);
      await ks('DELETE', `/domains/${domain.id}`, undefined, [204, 404]);
    });
    const { project } = await ks('POST', '/projects', { project: { name: `p-${suffix}`, domain_id: domain.id } });
    cleanup.push(() => ks('DELETE', `/projects/${project.id}`, undefined, [204, 404]));
    await ks('PUT', `/projects/${project.id}/users/${ids.alice}/roles/${ids.member}`);
    await expect(membership.holdsRoleOn(ids.alice, project.id)).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN', status: 503 });
    await expect(membership.holdsRoleOn(ids.bob, project.id)).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN' });
  });

  it('a worker user without the reader role on the domain gets KEYSTONE_MEMBERSHIP_FORBIDDEN, never false', async () => {
    // No role on the domain: Keystone refuses the domain-scoped login.
    const noRole = new KeystoneMembership(new ServiceSession(async () => ({ authUrl: AUTH_URL, username: 'alice', password: 'apass', projectName: 'tenant-a', userDomainName: 'Default', projectDomainName: 'Default' })));
    await expect(noRole.holdsRoleOn(ids.alice, ids['tenant-a'])).rejects.toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_FORBIDDEN', status: 503 });
    // A role on the domain that is not reader: the login works, identity:list_role_assignments is 403.
    const user = await tempUser('creator-on-domain');
    await ks('PUT', `/domains/default/users/${user}/roles/${ids.creator}`);
    const creator = new KeystoneMembership(
      new ServiceSession(async () => ({ authUrl: AUTH_URL, username: `creator-on-domain-${suffix}`, password: 'tmp-pass', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' })),
    );
    const err = await creator.holdsRoleOn(ids.alice, ids['tenant-a']).catch((e) => e);
    expect(err).toMatchObject({ code: 'KEYSTONE_MEMBERSHIP_FORBIDDEN', status: 503 });
    expect(err.message).toMatch(/Keystone refused to list role assignments \(403\): .*reader role on the domain with id default/);
  });

  it("caworker's project-scoped token is not enough (Keystone's policy needs a domain-scoped reader)", async () => {
    const worker = await keystoneToken('caworker', 'cwpass', 'service');
    const res = await fetch(`${AUTH_URL}/role_assignments?user.id=${ids.alice}&scope.project.id=${ids['tenant-a']}&effective`, { headers: { 'X-Auth-Token': worker } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toBe('You are not authorized to perform the requested action: identity:list_role_assignments.');
  });
});
