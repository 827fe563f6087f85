import { unavailable } from '../errors/index.js';
import type { CatalogEntry } from './credentials.js';
/**
 * Password credentials from `<prefix>USERNAME`, `PASSWORD`, `PROJECT_NAME`, `USER_DOMAIN_NAME` and
 * `PROJECT_DOMAIN_NAME` (project `service` and domain `Default` unless set); undefined without both
 * username and password.
 */
export function passwordCredentialsFromEnv(env: NodeJS.ProcessEnv, authUrl: string, prefix: string): PasswordCredentials | undefined {
  const username = env[`${prefix}USERNAME`];
  const password = env[`${prefix}PASSWORD`];
  if (!username || !password) return undefined;
  return {
    authUrl,
    username,
    password,
    projectName: env[`${prefix}PROJECT_NAME`] ?? 'service',
    userDomainName: env[`${prefix}USER_DOMAIN_NAME`] ?? 'Default',
    projectDomainName: env[`${prefix}PROJECT_DOMAIN_NAME`] ?? 'Default',
  };
}

/** Password credentials for a Keystone login scoped to a project. */
export interface PasswordCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
}

/** Refresh this long before Keystone's expiry, so a token never dies mid-request. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface ServiceToken {
  token: string;
  expiresAt: number;
  userId: string;
  projectId: string;
  catalog: CatalogEntry[];
  /** The Keystone endpoint the token came from (the credentials' auth URL). */
  authUrl: string;
}

/** A token of the same user scoped to a domain (Keystone's domain-level APIs, e.g. role assignments). */
export interface DomainServiceToken {
  token: string;
  expiresAt: number;
  userId: string;
  domainId: string;
  authUrl: string;
}

type Scope = { project: true } | { domainName?: string };
interface Slot<T> {
  current?: T;
  pending?: Promise<T>;
}

/**
 * A service's Keystone session (the worker's; the API's optional revocation reader): password authentication scoped to the service project,
 * one token reused until it nears expiry. The same user may also get a domain-scoped token (`domainToken`), kept alongside.
 */
export class ServiceSession {
  private readonly project: Slot<ServiceToken> = {};
  private readonly domains = new Map<string, Slot<DomainServiceToken>>();

  constructor(
    private readonly creds: () => Promise<PasswordCredentials>,
    private readonly timeoutMs = 10_000,
  ) {}

  token(): Promise<ServiceToken> {
    return this.reuse(this.project, () => this.login({ project: true }) as Promise<ServiceToken>);
  }

  /** A token scoped to domain `domainName`, by default the service user's own domain. */
  domainToken(domainName?: string): Promise<DomainServiceToken> {
    const key = domainName ?? '';
    let slot = this.domains.get(key);
    if (!slot) this.domains.set(key, (slot = {}));
    return this.reuse(slot, () => this.login({ domainName }) as Promise<DomainServiceToken>);
  }

  /** Forgets every token (a 401 means Keystone no longer accepts them). */
  invalidate(): void {
    this.project.current = undefined;
    for (const slot of this.domains.values()) slot.current = undefined;
  }

  /** The public URL of a service from the token's catalog. */
  async endpoint(type: string): Promise<string | undefined> {
    const entry = (await this.token()).catalog.find((c) => c.type === type);
    return entry?.endpoints.find((e) => e.interface === 'public')?.url.replace(/\/+$/, '');
  }

  private async reuse<T extends { expiresAt: number }>(slot: Slot<T>, login: () => Promise<T>): Promise<T> {
    if (slot.current && slot.current.expiresAt - REFRESH_MARGIN_MS > Date.now()) return slot.current;
    // One login at a time, however many jobs of a batch ask at once.
    slot.pending ??= login().finally(() => (slot.pending = undefined));
    slot.current = await slot.pending;
    return slot.current;
  }

  private async login(scope: Scope): Promise<ServiceToken | DomainServiceToken> {
    const c = await this.creds();
    const domainName = 'project' in scope ? undefined : (scope.domainName ?? c.userDomainName);
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } },
        scope: domainName === undefined ? { project: { name: c.projectName, domain: { name: c.projectDomainName } } } : { domain: { name: domainName } },
      },
    };
    const what = domainName === undefined ? 'the service login' : `the service login scoped to domain ${domainName}`;
    let res: Response;
    try {
      res = await fetch(`${c.authUrl.replace(/\/+$/, '')}/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw unavailable('IDENTITY_UNAVAILABLE', `Keystone could not be reached for ${what}`, 5, e);
    }
    if (res.status !== 201) {
      await res.arrayBuffer().catch(() => undefined);
      // A refused service login is a configuration error, but retrying lets an operator fix it without losing jobs.
      throw unavailable('SERVICE_LOGIN_FAILED', `Keystone refused ${what} (${res.status})`, 30);
    }
    const token = res.headers.get('x-subject-token');
    const json = (await res.json()) as {
      token: { expires_at: string; user: { id: string }; project?: { id: string }; domain?: { id: string }; catalog?: CatalogEntry[] };
    };
    if (!token) throw unavailable('SERVICE_LOGIN_FAILED', 'Keystone returned no X-Subject-Token', 30);
    const t = json.token;
    const common = { token, expiresAt: Date.parse(t.expires_at), userId: t.user.id, authUrl: c.authUrl };
    if (domainName !== undefined) {
      if (!t.domain?.id) throw unavailable('SERVICE_LOGIN_FAILED', `Keystone returned no domain-scoped token for ${what}`, 30);
      return { ...common, domainId: t.domain.id };
    }
    if (!t.project?.id) throw unavailable('SERVICE_LOGIN_FAILED', 'Keystone returned no project-scoped token for the service login', 30);
    return { ...common, projectId: t.project.id, catalog: t.catalog ?? [] };
  }
}
