// DEVELOPMENT ONLY — never for production: fixed users, passwords, projects and roles of the development Keystone.
// The same as scripts/openstack-up.sh creates in a real one, so tests run unchanged against both.
import { createHash } from 'node:crypto';

/** A stable, random-looking 32-hex-digit id (the shape of Keystone's uuid4 hex ids), derived from a name. */
export const stableId = (kind: string, name: string) => createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export const PROJECTS = ['admin', 'service', 'tenant-a', 'tenant-b'] as const;
export type DevProjectName = (typeof PROJECTS)[number];

export interface DevUser {
  name: string;
  password: string;
  /** project name -> role names assigned directly (implied roles are added in tokens, see effectiveRoles). */
  roles: Partial<Record<DevProjectName, string[]>>;
  /** Roles on the system (keystone-manage bootstrap gives the admin user `admin` on the system). */
  systemRoles?: string[];
  /** Roles on the Default domain, assigned directly. */
  domainRoles?: string[];
  /** Keystone's `email` attribute (a Keystone user certificate carries it as its SAN). */
  email?: string;
}

export const USERS: readonly DevUser[] = [
  { name: 'admin', password: 'secret', roles: { admin: ['admin', 'member', 'reader'], 'tenant-a': ['admin'] }, systemRoles: ['admin'] },
  { name: 'barbican', password: 'bpass', roles: { service: ['admin'] } },
  // `reader` on the domain: the worker asks Keystone whether a key's recipient still holds a role on its project.
  { name: 'caworker', password: 'cwpass', roles: { service: ['creator'] }, domainRoles: ['reader'] },
  { name: 'alice', password: 'apass', roles: { 'tenant-a': ['member', 'creator', 'reader'] }, email: 'alice@example.org' },
  { name: 'bob', password: 'bpass2', roles: { 'tenant-b': ['member', 'creator', 'reader'] } },
  { name: 'carol', password: 'cpass3', roles: { 'tenant-a': ['reader'] } },
  // No role of his own: `reader` on tenant-a through group tenant-a-auditors.
  { name: 'dave', password: 'dpass4', roles: {} },
];

export interface DevGroup {
  name: string;
  members: string[];
  /** project name -> role names assigned to the group. */
  roles: Partial<Record<DevProjectName, string[]>>;
}

export const GROUPS: readonly DevGroup[] = [{ name: 'tenant-a-auditors', members: ['dave'], roles: { 'tenant-a': ['reader'] } }];

export const ROLES = ['admin', 'member', 'reader', 'creator'] as const;

/** keystone-manage bootstrap creates these inference rules: admin implies member, member implies reader. */
export const IMPLIED_ROLES: Readonly<Record<string, readonly string[]>> = { admin: ['member'], member: ['reader'] };

/** Roles a token carries: the assigned ones, then those they imply (as Keystone expands them). */
export function effectiveRoles(assigned: readonly string[]): string[] {
  const out = [...assigned];
  for (let i = 0; i < out.length; i++) for (const r of IMPLIED_ROLES[out[i]] ?? []) if (!out.includes(r)) out.push(r);
  return out;
}

export const userId = (name: string) => stableId('user', name);
export const projectId = (name: string) => stableId('project', name);
export const roleId = (name: string) => stableId('role', name);
export const groupId = (name: string) => stableId('group', name);

/** Everything a test or script may want, with ids: `DEV_FIXTURES.users.alice.id`. */
export const DEV_FIXTURES = {
  domain: DEFAULT_DOMAIN,
  projects: Object.fromEntries(PROJECTS.map((p) => [p, { id: projectId(p), name: p }])) as Record<DevProjectName, { id: string; name: string }>,
  users: Object.fromEntries(USERS.map((u) => [u.name, { id: userId(u.name), name: u.name, password: u.password, roles: u.roles }])) as Record<
    string,
    { id: string; name: string; password: string; roles: DevUser['roles'] }
  >,
  groups: Object.fromEntries(GROUPS.map((g) => [g.name, { id: groupId(g.name), name: g.name, members: g.members, roles: g.roles }])) as Record<string, { id: string; name: string; members: string[]; roles: DevGroup['roles'] }>,
  roles: Object.fromEntries(ROLES.map((r) => [r, { id: roleId(r), name: r }])) as Record<(typeof ROLES)[number], { id: string; name: string }>,
};
