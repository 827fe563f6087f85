// DEVELOPMENT ONLY — the development Barbican's policy: Barbican 15's default rules (dev/barbican.ts enforces them).
export interface BarbicanCaller {
  userId: string;
  projectId: string;
  roles: ReadonlySet<string>;
}

/** What a policy check needs of the secret or container a route is about. */
export interface BarbicanPolicyTarget {
  projectId: string;
  creatorId: string;
  readAcl?: { users: readonly string[]; projectAccess: boolean };
}
export type BarbicanPolicySecret = BarbicanPolicyTarget;

/** Every rule of Barbican's default policy the development server enforces (barbican/common/policies). */
export const BARBICAN_ACTIONS = [
  'secrets:post',
  'secrets:get',
  'secret:get',
  'secret:decrypt',
  'secret:put',
  'secret:delete',
  'secret_acls:get',
  'secret_acls:put_patch',
  'secret_acls:delete',
  'secret_meta:get',
  'secret_meta:post',
  'secret_meta:put',
  'secret_meta:delete',
  'containers:post',
  'containers:get',
  'container:get',
  'container:delete',
  'container_secret:post',
  'container_secret:delete',
  'container_acls:get',
  'container_acls:put_patch',
  'container_acls:delete',
] as const;
export type BarbicanAction = (typeof BARBICAN_ACTIONS)[number];

/** The collection routes: their target carries no secret or container. */
export const BARBICAN_COLLECTION_ACTIONS: readonly BarbicanAction[] = ['secrets:post', 'secrets:get', 'containers:post', 'containers:get'];

/**
 * Barbican 15's effective default rules: the legacy ones (barbican/common/policies/{base,secrets,secretmeta,
 * containers,acls}.py, deprecated but still enforced while oslo.policy's enforce_new_defaults is False, its
 * default: each new rule starts with `True:%(enforce_new_defaults)s`, so new OR deprecated = deprecated). What
 * they mean: `member` or `reader` alone grant nothing; reading needs admin, creator or observer (audit:
 * metadata only) in the owning project, or the user named in the read ACL; writing (user metadata, ACLs,
 * container secrets) needs the project's admin, the creator of the object, or a creator of the project when
 * the object is not private. `t` is the route's secret or container (as the action names). test/unit/dev checks
 * this against the real rules when Debian's python3-barbican is installed.
 */
export function barbicanAllows(action: BarbicanAction, c: BarbicanCaller, t?: BarbicanPolicyTarget): boolean {
  const role = (r: string) => c.roles.has(r);
  const admin = role('admin');
  const creator = role('creator');
  const allUsers = admin || role('observer') || creator || role('audit') || role('key-manager:service-admin');
  const allButAudit = admin || role('observer') || creator;
  if (action === 'secrets:post' || action === 'containers:post') return admin || creator;
  if (action === 'secrets:get' || action === 'containers:get') return allButAudit;
  if (!t) return false;
  // {secret,container}_project_match, _project_admin, _project_creator (creator role, same project, same user).
  const projectMatch = c.projectId === t.projectId;
  const projectAdmin = admin && projectMatch;
  const projectCreator = creator && projectMatch && c.userId === t.creatorId;
  // The ACL routes' target carries no ACL data (SecretACLsController/ContainerACLsController.get_acl_tuple),
  // so *_private_read is false there; every other route's target has it (ACLMixin.get_acl_tuple).
  const aclRoute = action.startsWith('secret_acls:') || action.startsWith('container_acls:');
  const privateRead = !aclRoute && !!t.readAcl && !t.readAcl.projectAccess;
  const aclRead = !aclRoute && !!t.readAcl?.users.includes(c.userId);
  const nonPrivateRead = allUsers && projectMatch && !privateRead;
  // *_project_creator_role and *_non_private_read
  const creatorRoleNonPrivate = creator && projectMatch && nonPrivateRead;
  switch (action) {
    case 'secret:get':
    case 'secret_meta:get':
    case 'container:get':
      return nonPrivateRead || projectCreator || projectAdmin || aclRead;
    case 'secret:decrypt':
      return (allButAudit && projectMatch && !privateRead) || projectCreator || projectAdmin || aclRead;
    case 'secret:put':
      return (admin || creator) && projectMatch;
    case 'secret:delete':
      return projectAdmin || projectCreator || (creator && projectMatch && !privateRead);
    case 'container:delete':
      return projectAdmin || projectCreator;
    case 'secret_acls:get':
    case 'container_acls:get':
      return allButAudit && projectMatch;
    case 'secret_acls:put_patch':
    case 'secret_acls:delete':
    case 'container_acls:put_patch':
    case 'container_acls:delete':
    case 'secret_meta:post':
    case 'secret_meta:put':
    case 'secret_meta:delete':
    case 'container_secret:post':
    case 'container_secret:delete':
      return projectAdmin || projectCreator || creatorRoleNonPrivate;
  }
  return false;
}
