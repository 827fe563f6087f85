import { AppError, badRequest, unavailable } from '../errors/index.js';
import { log } from '../log/index.js';
import type { DomainServiceToken, ServiceSession } from './serviceSession.js';

/** Whether a Keystone user may still receive a project's keys: asked of Keystone each time, never cached. */
export interface ProjectMembership {
  /**
   * True when `userId` holds at least one role on `projectId` now, as Keystone computes it for a
   * token: directly, through a group, inherited from the domain or a parent project, or implied.
   * False when they hold none (also when the user or the project no longer exists). A disabled
   * user or project still counts: Keystone keeps their assignments. Throws, never answers false,
   * when Keystone cannot say: AppError `KEYSTONE_MEMBERSHIP_FORBIDDEN` (the worker lacks the role
   * to ask), `KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN` (a project outside the domain it reads) and
   * `IDENTITY_UNAVAILABLE` (Keystone down or failing), all status 503 so the job is retried;
   * `MEMBERSHIP_QUERY_INVALID` (400) for an empty id.
   */
  holdsRoleOn(userId: string, projectId: string): Promise<boolean>;
}

export interface KeystoneMembershipOptions {
  /** The domain whose `reader` the service user is; default its own domain (the credentials' user domain). */
  domainName?: string;
  timeoutMs?: number;
}

interface RoleAssignment {
  user?: { id?: string };
  scope?: { project?: { id?: string } };
  role?: { id?: string };
}

/** Retry hint for answers only an operator can change (a missing role): the job comes back, not lost. */
const CONFIG_RETRY_SECONDS = 30;

/**
 * ProjectMembership from Keystone's effective role assignments,
 * `GET /v3/role_assignments?user.id=U&scope.project.id=P&effective`, with a token of the service
 * user scoped to a domain. Keystone 22's default policy for identity:list_role_assignments is
 * `(rule:admin_required) or (role:reader and system_scope:all) or (role:reader and
 * domain_id:%(target.domain_id)s and not None:%(target.domain_id)s)` (keystone/common/policies/
 * role_assignment.py), where target.domain_id is the token's own domain, which only a
 * domain-scoped token has (keystone/api/role_assignments.py): the least it needs is `reader` on a domain, e.g.
 * `openstack role add --domain Default --user caworker reader`. A project-scoped token needs `admin`.
 * Keystone then answers only for projects in that domain, so an empty answer is checked against
 * the project's domain before it counts as "no role".
 */
export class KeystoneMembership implements ProjectMembership {
  private readonly timeoutMs: number;

  constructor(
    private readonly session: ServiceSession,
    private readonly opts: KeystoneMembershipOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async holdsRoleOn(userId: string, projectId: string): Promise<boolean> {
    // An empty filter would list every user's assignments on the project (or every project's).
    if (!isKeystoneId(userId) || !isKeystoneId(projectId)) throw badRequest('MEMBERSHIP_QUERY_INVALID', 'a membership check needs a Keystone user id and project id');
    const q = `user.id=${encodeURIComponent(userId)}&scope.project.id=${encodeURIComponent(projectId)}&effective`;
    const { res, token } = await this.get(`/role_assignments?${q}`);
    if (res.status === 200) {
      const body = (await res.json()) as { role_assignments?: RoleAssignment[] };
      // Only assignments of exactly this user on exactly this project count, whatever else came back.
      const held = (body.role_assignments ?? []).some((a) => a.user?.id === userId && a.scope?.project?.id === projectId && !!a.role?.id);
      return held || this.confirmNone(projectId, token);
    }
    if (res.status === 404 && (await notFound(res, userId, projectId))) return false;
    throw await this.failure(res, 'list role assignments', token);
  }

  /** An empty answer is "no role" only for a project in the token's domain: Keystone hides the rest. */
  private async confirmNone(projectId: string, token: DomainServiceToken): Promise<false> {
    const { res } = await this.get(`/projects/${encodeURIComponent(projectId)}`, token);
    if (res.status === 200) {
      const domainId = ((await res.json()) as { project?: { domain_id?: string } }).project?.domain_id;
      if (domainId === token.domainId) return false;
      throw this.outOfDomain(projectId, token);
    }
    if (res.status === 404 && (await notFound(res, undefined, projectId))) return false;
    // A domain reader may not read a project of another domain.
    if (res.status === 403) {
      await res.arrayBuffer().catch(() => undefined);
      throw this.outOfDomain(projectId, token);
    }
    throw await this.failure(res, 'read the project', token);
  }

  private async get(path: string, known?: DomainServiceToken, retried = false): Promise<{ res: Response; token: DomainServiceToken }> {
    const token = known && !retried ? known : await this.domainToken();
    let res: Response;
    try {
      res = await fetch(`${token.authUrl.replace(/\/+$/, '')}${path}`, {
        headers: { 'X-Auth-Token': token.token, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      log.warn('keystone unreachable', { reason: (e as Error).name });
      throw unavailable('IDENTITY_UNAVAILABLE', 'Keystone could not be reached to check a project membership; retry later.', 5, e);
    }
    if (res.status === 401 && !retried) {
      await res.arrayBuffer().catch(() => undefined);
      this.session.invalidate();
      return this.get(path, undefined, true);
    }
    return { res, token };
  }

  private async domainToken(): Promise<DomainServiceToken> {
    try {
      return await this.session.domainToken(this.opts.domainName);
    } catch (e) {
      // Keystone refuses a domain-scoped login (401) to a user without a role on that domain.
      if (e instanceof AppError && e.code === 'SERVICE_LOGIN_FAILED') {
        throw new AppError('KEYSTONE_MEMBERSHIP_FORBIDDEN', 503, `${e.message}: ${this.grantHint(this.opts.domainName)}`, { retryAfter: CONFIG_RETRY_SECONDS, cause: e });
      }
      throw e;
    }
  }

  private async failure(res: Response, what: string, token: DomainServiceToken): Promise<AppError> {
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 403) {
      log.error('keystone refused the membership check', { status: 403, domainId: token.domainId });
      return new AppError('KEYSTONE_MEMBERSHIP_FORBIDDEN', 503, `Keystone refused to ${what} (403): ${this.grantHint(this.opts.domainName ?? `the domain with id ${token.domainId}`)}`, { retryAfter: CONFIG_RETRY_SECONDS });
    }
    log.warn('keystone answered the membership check unexpectedly', { status: res.status });
    return unavailable('IDENTITY_UNAVAILABLE', `Keystone failed to ${what} (${res.status}); retry later.`, 5);
  }

  private outOfDomain(projectId: string, token: DomainServiceToken): AppError {
    return new AppError(
      'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN',
      503,
      `project ${projectId} is not in domain ${token.domainId}, the only domain whose role assignments the worker reads (OS_SERVICE_MEMBERSHIP_DOMAIN_NAME); membership there cannot be checked`,
      { retryAfter: CONFIG_RETRY_SECONDS },
    );
  }

  private grantHint(domain = "the service user's own domain"): string {
    return `the worker's Keystone user needs the reader role on ${domain} to check project memberships (openstack role add --domain <domain> --user <worker user> reader)`;
  }
}

/** Keystone ids are opaque strings (uuid4 hex for SQL users and projects, longer for LDAP or federated users). */
const isKeystoneId = (id: string) => typeof id === 'string' && id.length > 0 && id.length <= 255 && !/[\s\x00-\x1f]/.test(id);

/** Keystone's 404 for a user or project that does not exist (`Could not find user: <id>.`), as opposed to any other 404. */
async function notFound(res: Response, userId: string | undefined, projectId: string): Promise<boolean> {
  const text = await res.text().catch(() => '');
  let message: unknown;
  try {
    message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
  } catch {
    return false;
  }
  return (userId !== undefined && message === `Could not find user: ${userId}.`) || message === `Could not find project: ${projectId}.`;
}
