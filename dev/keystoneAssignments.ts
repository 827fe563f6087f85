// DEVELOPMENT ONLY — never for production: the development Keystone's role assignments (users and groups
// on projects, users on the Default domain), changeable at run time, and the v3 calls that read or revoke
// them: GET /v3/role_assignments, GET /v3/projects/{id}, GET /v3/users/{id}, GET /v3/roles, DELETE .../users/{id}/roles/{id}.
// Status codes, error messages, policy and bodies as Keystone 22's (see keystone/api/role_assignments.py).
import type { IncomingMessage } from 'node:http';
import { DEFAULT_DOMAIN, GROUPS, groupId, IMPLIED_ROLES, PROJECTS, projectId, ROLES, roleId, USERS, userId, type DevProjectName } from './fixtures.js';
import { forbiddenAction, KsError, unauthorized } from './http.js';

/** What the handlers need of the caller's (valid) token. */
export interface AssignmentCaller {
  userId: string;
  projectId?: string;
  /** Set for a domain-scoped token. */
  domainId?: string;
  system?: boolean;
  roles: string[];
}

export interface DevAssignments {
  /** Role names a token scoped to the project carries: direct and group assignments, then the roles they imply. */
  projectRoles(user: string, project: DevProjectName): string[];
  /** The same for a token scoped to the Default domain. */
  domainRoles(user: string): string[];
  /** Removes a user's own (direct) role on a project, as DELETE .../roles/{id} does; false if they did not hold it. */
  revoke(user: string, project: DevProjectName, role: string): boolean;
  /** Answers one of the calls above, or undefined when `path` is none of them. Throws KsError. */
  route(req: IncomingMessage, path: string, query: URLSearchParams, caller: AssignmentCaller | undefined, url: string): { status: number; body?: unknown } | undefined;
}

/** One assignment as Keystone's assignment manager passes it around (before _format_entity). */
interface Ref {
  role: string;
  user?: string;
  group?: string;
  project?: DevProjectName;
  /** On the Default domain. */
  domain?: boolean;
  indirect?: { group?: string; role?: string };
}

/** Roles keystone-manage bootstrap creates are immutable; `creator` comes from `openstack role create`. */
const IMMUTABLE = new Set(['admin', 'member', 'reader']);
const LISTED_FILTERS = new Set(['user.id', 'group.id', 'role.id', 'scope.project.id', 'effective']);

export function createAssignments(): DevAssignments {
  // user name -> project -> directly assigned role names, copied so that revocations stay in this instance.
  const direct = new Map(USERS.map((u) => [u.name, new Map(Object.entries(u.roles).map(([p, r]) => [p as DevProjectName, [...r]]))]));
  const userById = (id: string) => USERS.find((u) => userId(u.name) === id);
  const projectById = (id: string) => PROJECTS.find((p) => projectId(p) === id);

  /** Every direct assignment: users' then groups', on projects, then users' on the domain. */
  const allRefs = (): Ref[] => [
    ...[...direct].flatMap(([user, projects]) => [...projects].flatMap(([project, roles]) => roles.map((role) => ({ role, user, project })))),
    ...GROUPS.flatMap((g) => Object.entries(g.roles).flatMap(([project, roles]) => roles.map((role) => ({ role, group: g.name, project: project as DevProjectName })))),
    ...USERS.flatMap((u) => (u.domainRoles ?? []).map((role) => ({ role, user: u.name, domain: true }))),
  ];

  /** keystone.assignment.core.Manager.add_implied_roles: a copy per implied role, the prior one in `indirect`. */
  const addImplied = (refs: Ref[]): Ref[] => {
    const results = [...refs];
    const toCheck = [...refs];
    const checked: Ref[] = [];
    const same = (a: Ref, b: Ref) => JSON.stringify(a) === JSON.stringify(b);
    while (toCheck.length) {
      const next = toCheck.pop()!;
      checked.push(next);
      for (const implied of IMPLIED_ROLES[next.role] ?? []) {
        const copy: Ref = { ...next, role: implied, indirect: { ...next.indirect, role: next.role } };
        if (checked.some((c) => same(c, copy))) continue;
        results.push(copy);
        toCheck.push(copy);
      }
    }
    return results;
  };

  /** Group assignments become one per member (`indirect.group`), as in effective mode. */
  const expandGroups = (refs: Ref[]): Ref[] =>
    refs.flatMap((r) => (r.group ? GROUPS.find((g) => g.name === r.group)!.members.map((user) => ({ role: r.role, user, project: r.project, domain: r.domain, indirect: { group: r.group } })) : [r]));

  const effective = (user: string, where: (r: Ref) => boolean) => [...new Set(addImplied(expandGroups(allRefs())).filter((r) => r.user === user && where(r)).map((r) => r.role))];

  /** keystone/api/role_assignments.py _format_entity, for project and domain assignments. */
  const format = (r: Ref, url: string) => {
    let link = r.project ? `/projects/${projectId(r.project)}` : `/domains/${DEFAULT_DOMAIN.id}`;
    const links: Record<string, string> = {};
    const entity: Record<string, unknown> = { links, scope: r.project ? { project: { id: projectId(r.project) } } : { domain: { id: DEFAULT_DOMAIN.id } } };
    if (r.user) {
      entity.user = { id: userId(r.user) };
      if (r.indirect?.group) {
        links.membership = `${url}/groups/${groupId(r.indirect.group)}/users/${userId(r.user)}`;
        link += `/groups/${groupId(r.indirect.group)}`;
      } else {
        link += `/users/${userId(r.user)}`;
      }
    } else {
      entity.group = { id: groupId(r.group!) };
      link += `/groups/${groupId(r.group!)}`;
    }
    entity.role = { id: roleId(r.role) };
    link += `/roles/${roleId(r.indirect?.role ?? r.role)}`;
    links.assignment = `${url}${link}`;
    // Keystone names the implied role "prior" and the prior one "implied" in this link; so do we.
    if (r.indirect?.role) links.prior_role = `${url}/prior_role/${roleId(r.role)}/implies/${roleId(r.indirect.role)}`;
    return entity;
  };

  const isAdmin = (c: AssignmentCaller) => c.roles.includes('admin');
  const systemReader = (c: AssignmentCaller) => !!c.system && c.roles.includes('reader');
  const notFound = (what: string, id: string) => new KsError(404, 'Not Found', `Could not find ${what}: ${id}.`);
  const invalid = (message: string) => new KsError(400, 'Bad Request', message);

  const listAssignments = (query: URLSearchParams, caller: AssignmentCaller, url: string, selfUrl: string) => {
    // identity:list_role_assignments: rule:admin_required or (role:reader and system_scope:all) or
    // (role:reader and domain_id:%(target.domain_id)s), target.domain_id being the token's own domain.
    if (!(isAdmin(caller) || systemReader(caller) || (!!caller.domainId && caller.roles.includes('reader')))) throw forbiddenAction('identity:list_role_assignments');
    for (const k of query.keys()) if (!LISTED_FILTERS.has(k)) throw invalid(`the development Keystone does not implement the role_assignments filter ${k}`);
    const [user, group, role, project] = ['user.id', 'group.id', 'role.id', 'scope.project.id'].map((k) => query.get(k) || undefined);
    const isEffective = query.has('effective') && query.get('effective') !== '0';
    if (user && group) throw invalid('Specify a user or group, not both');
    if (isEffective && group) throw invalid('Combining effective and group filter will always result in an empty list.');
    let refs = allRefs();
    if (isEffective) {
      // Inherited assignments are looked up through the project, the user's groups through the user.
      if (project && !projectById(project)) throw notFound('project', project);
      if (user && !userById(user)) throw notFound('user', user);
      refs = addImplied(expandGroups(refs));
    }
    refs = refs.filter(
      (r) =>
        (!user || (r.user !== undefined && userId(r.user) === user)) &&
        (!group || (r.group !== undefined && groupId(r.group) === group)) &&
        (!role || roleId(r.role) === role) &&
        (!project || (r.project !== undefined && projectId(r.project) === project)),
    );
    // A domain-scoped caller sees only its domain's assignments: here every one, Default being the only domain.
    return { role_assignments: refs.map((r) => format(r, url)), links: { next: null, self: selfUrl, previous: null } };
  };

  const projectDocument = (p: DevProjectName, url: string) => ({
    project: {
      id: projectId(p),
      name: p,
      domain_id: DEFAULT_DOMAIN.id,
      description: p === 'admin' ? 'Bootstrap project for initializing the cloud.' : '',
      enabled: true,
      parent_id: DEFAULT_DOMAIN.id,
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `${url}/projects/${projectId(p)}` },
    },
  });

  const revoke = (user: string, project: DevProjectName, role: string) => {
    const roles = direct.get(user)?.get(project);
    const i = roles ? roles.indexOf(role) : -1;
    if (i < 0) return false;
    roles!.splice(i, 1);
    return true;
  };

  return {
    projectRoles: (user, project) => effective(user, (r) => r.project === project),
    domainRoles: (user) => effective(user, (r) => !!r.domain),
    revoke,
    route(req, path, query, caller, url) {
      // Collections link to themselves with the query as sent.
      const selfUrl = `${url.replace(/\/v3$/, '')}${req.url ?? path}`;
      const read = req.method === 'GET' || req.method === 'HEAD';
      const grant = /^\/v3\/projects\/([^/]+)\/users\/([^/]+)\/roles\/([^/]+)$/.exec(path);
      const project = /^\/v3\/projects\/([^/]+)$/.exec(path);
      const userPath = /^\/v3\/users\/([^/]+)$/.exec(path);
      if (path !== '/v3/role_assignments' && path !== '/v3/roles' && !grant && !project && !userPath) return undefined;
      if ((grant && req.method !== 'DELETE') || (!grant && !read)) throw new KsError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
      if (!caller) throw unauthorized();
      if (path === '/v3/role_assignments') return { status: 200, body: listAssignments(query, caller, url, selfUrl) };
      if (path === '/v3/roles') {
        // identity:list_roles: rule:admin_required or (role:reader and system_scope:all).
        if (!(isAdmin(caller) || systemReader(caller))) throw forbiddenAction('identity:list_roles');
        const name = query.get('name');
        const roles = ROLES.filter((r) => name === null || r === name).map((r) => ({
          id: roleId(r),
          name: r,
          domain_id: null,
          description: null,
          options: IMMUTABLE.has(r) ? { immutable: true } : {},
          links: { self: `${url}/roles/${roleId(r)}` },
        }));
        return { status: 200, body: { roles, links: { next: null, self: selfUrl, previous: null } } };
      }
      if (userPath) {
        // identity:get_user (legacy rules OR'ed in): admin, system reader, reader of the user's domain, or the user.
        // The user is read first (its domain is the target): a missing user is 404 for whoever may ask.
        const id = decodeURIComponent(userPath[1]);
        const u = userById(id);
        const allowed = isAdmin(caller) || systemReader(caller) || (caller.domainId === DEFAULT_DOMAIN.id && caller.roles.includes('reader')) || caller.userId === id;
        if (!u) throw notFound('user', id);
        if (!allowed) throw forbiddenAction('identity:get_user');
        return {
          status: 200,
          body: {
            user: { id, name: u.name, domain_id: DEFAULT_DOMAIN.id, enabled: true, password_expires_at: null, options: {}, ...(u.email ? { email: u.email } : {}), links: { self: `${url}/users/${id}` } },
          },
        };
      }
      if (project) {
        const p = projectById(decodeURIComponent(project[1]));
        // identity:get_project: admin, system reader, reader of the project's domain, or a token of the project.
        // The project is the target: without it only an admin's rule holds, and only an admin learns it is missing.
        const allowed = isAdmin(caller) || systemReader(caller) || (!!p && ((caller.domainId === DEFAULT_DOMAIN.id && caller.roles.includes('reader')) || caller.projectId === projectId(p)));
        if (!allowed) throw forbiddenAction('identity:get_project');
        if (!p) throw notFound('project', decodeURIComponent(project[1]));
        return { status: 200, body: projectDocument(p, url) };
      }
      // DELETE /v3/projects/{p}/users/{u}/roles/{r}: the role and the project are looked up before policy, the user is not.
      const [p, u, r] = grant!.slice(1).map(decodeURIComponent);
      const roleName = ROLES.find((x) => roleId(x) === r);
      if (!roleName) throw notFound('role', r);
      const projectName = projectById(p);
      if (!projectName) throw notFound('project', p);
      // identity:revoke_grant: rule:admin_required or a domain admin of the user's and project's domain.
      if (!isAdmin(caller)) throw forbiddenAction('identity:revoke_grant');
      const user = userById(u);
      if (!user || !revoke(user.name, projectName, roleName)) {
        throw new KsError(404, 'Not Found', `Could not find role assignment with role: ${r}, user or group: ${u}, project, domain, or system: ${p}.`);
      }
      return { status: 204 };
    },
  };
}
