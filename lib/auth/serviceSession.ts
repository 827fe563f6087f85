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
}

/**
 * A service's Keystone session (the worker's; the API's optional revocation reader): password authentication scoped to the service project,
 * one token reused until it nears expiry.
 */
export class ServiceSession {
  private current?: ServiceToken;
  private pending?: Promise<ServiceToken>;

  constructor(
    private readonly creds: () => Promise<PasswordCredentials>,
    private readonly timeoutMs = 10_000,
  ) {}

  async token(): Promise<ServiceToken> {
    if (this.current && this.current.expiresAt - REFRESH_MARGIN_MS > Date.now()) return this.current;
    // One login at a time, however many jobs of a batch ask at once.
    this.pending ??= this.login().finally(() => (this.pending = undefined));
    this.current = await this.pending;
    return this.current;
  }

  invalidate(): void {
    this.current = undefined;
  }

  /** The public URL of a service from the token's catalog. */
  async endpoint(type: string): Promise<string | undefined> {
    const entry = (await this.token()).catalog.find((c) => c.type === type);
    return entry?.endpoints.find((e) => e.interface === 'public')?.url.replace(/\/+$/, '');
  }

  private async login(): Promise<ServiceToken> {
    const c = await this.creds();
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } },
        scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
      },
    };
    let res: Response;
    try {
      res = await fetch(`${c.authUrl.replace(/\/+$/, '')}/auth/tokens`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw unavailable('IDENTITY_UNAVAILABLE', 'Keystone could not be reached for the service login', 5, e);
    }
    if (res.status !== 201) {
      await res.arrayBuffer().catch(() => undefined);
      // A refused service login is a configuration error, but retrying lets an operator fix it without losing jobs.
      throw unavailable('SERVICE_LOGIN_FAILED', `Keystone refused the service login (${res.status})`, 30);
    }
    const token = res.headers.get('x-subject-token');
    const json = (await res.json()) as { token: { expires_at: string; user: { id: string }; project: { id: string }; catalog?: CatalogEntry[] } };
    if (!token) throw unavailable('SERVICE_LOGIN_FAILED', 'Keystone returned no X-Subject-Token', 30);
    return { token, expiresAt: Date.parse(json.token.expires_at), userId: json.token.user.id, projectId: json.token.project.id, catalog: json.token.catalog ?? [] };
  }
}
