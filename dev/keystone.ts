// DEVELOPMENT ONLY — never for production: an in-memory Keystone v3 stand-in (password login, token validation;
// role assignments in dev/keystoneAssignments.ts).
// It answers the calls this service makes the way Keystone 22 (Debian bookworm, fernet tokens, default
// policy) does: same status codes, headers, error bodies and token document. Passwords are fixed fixtures.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  DEFAULT_DOMAIN,
  DEV_FIXTURES,
  effectiveRoles,
  PROJECTS,
  projectId,
  roleId,
  stableId,
  USERS,
  userId,
  type DevProjectName,
  type DevUser,
} from './fixtures.js';
import { closeServer, forbiddenAction, header, keystoneError, keystoneTime, KsError, listen, readBody, requestId, sendJson, splitUrl, unauthorized, urlHost } from './http.js';
import { createAssignments } from './keystoneAssignments.js';
import { createValidationCounter } from './keystoneCounters.js';

export { DEV_FIXTURES, PROJECTS, USERS, effectiveRoles, projectId, roleId, userId, type DevUser };

export interface DevToken {
  user: DevUser;
  userId: string;
  /** Project scope (absent for unscoped, domain- and system-scoped tokens). */
  project?: DevProjectName;
  projectId?: string;
  /** Domain scope (the Default domain). */
  domainId?: string;
  system?: boolean;
  /** Effective role names, implied roles included, as the token document lists them (recomputed at each validation, as for fernet tokens). */
  roles: string[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  auditId: string;
}

export interface DevKeystoneOptions {
  port?: number;
  host?: string;
  /** Keystone's [token] expiration; 3600 s by default, as in Keystone. */
  tokenTtlSeconds?: number;
  /** The key-manager endpoint put into catalogs (a function when Barbican starts later). */
  barbicanUrl: string | (() => string);
  /** Clock in ms since the epoch, for tests of expiry. */
  now?: () => number;
}

export interface DevKeystone {
  server: Server;
  /** The identity endpoint, ending in /v3 (what OS_AUTH_URL holds). */
  url: string;
  close(): Promise<void>;
  /** Issues a password-method token as Keystone would (throws where Keystone answers 401). */
  issueToken(user: string, project?: string): string;
  /** A valid (unexpired, unrevoked) token's data: the development Barbican's in-process token check. */
  lookup(token: string | undefined): DevToken | undefined;
  /** Revokes a token (as DELETE /v3/auth/tokens does). */
  revoke(token: string): boolean;
  /** Token validations (GET /v3/auth/tokens) answered, in all or for one subject token (also GET /_dev/token-validations). */
  validations(subjectToken?: string): number;
  /** Removes a user's direct role on a project (as DELETE /v3/projects/{p}/users/{u}/roles/{r} does); false if not held. */
  revokeRole(user: string, project: string, role: string): boolean;
}

/** Keystone's [token] allow_expired_window default. */
const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;
const VERSION_UPDATED = '2020-04-07T00:00:00Z';

const badRequest = (attribute: string, target: string) =>
  new KsError(
    400,
    'Bad Request',
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function createDevKeystone(opts: DevKeystoneOptions): Promise<DevKeystone> {
  const host = opts.host ?? '127.0.0.1';
  const ttlMs = (opts.tokenTtlSeconds ?? 3600) * 1000;
  const now = opts.now ?? Date.now;
  const barbicanUrl = () => (typeof opts.barbicanUrl === 'function' ? opts.barbicanUrl() : opts.barbicanUrl);
  const tokens = new Map<string, DevToken>();
  const assignments = createAssignments();
  const validations = createValidationCounter();
  let base = ''; // http://host:port
  let url = ''; // base + /v3

  /** Roles a scoped token carries now; none means the scope is no longer the user's. */
  const rolesFor = (user: DevUser, scope: { project?: DevProjectName; domainId?: string; system?: boolean }): string[] =>
    scope.project ? assignments.projectRoles(user.name, scope.project) : scope.domainId ? assignments.domainRoles(user.name) : scope.system ? effectiveRoles(user.systemRoles ?? []) : [];

  const find = (token: string | undefined, windowMs = 0): DevToken | undefined => {
    const t = token ? tokens.get(token) : undefined;
    if (!t) return undefined;
    if (t.expiresAt + windowMs <= now()) {
      if (t.expiresAt + ALLOW_EXPIRED_WINDOW_MS <= now()) tokens.delete(token!);
      return undefined;
    }
    // Fernet tokens carry no roles: validation computes them, and fails once the user holds none on the scope.
    if (t.project || t.domainId || t.system) {
      t.roles = rolesFor(t.user, t);
      if (!t.roles.length) return undefined;
    }
    return t;
  };

  const sweep = () => {
    const limit = now() - ALLOW_EXPIRED_WINDOW_MS;
    for (const [k, t] of tokens) if (t.expiresAt <= limit) tokens.delete(k);
  };

  const mint = (user: DevUser, scope: { project?: DevProjectName; domainId?: string; system?: boolean }): string => {
    const roles = rolesFor(user, scope);
    // "User ... has no access to project ...", hidden behind the generic message as Keystone does.
    if ((scope.project || scope.domainId || scope.system) && !roles.length) throw unauthorized();
    if (tokens.size > 10_000) sweep();
    // Opaque and Fernet-looking (a real fernet token is "gAAAAA" and base64url too).
    const token = `gAAAAA${randomBytes(48).toString('base64url')}`;
    const issuedAt = now();
    tokens.set(token, {
      user,
      userId: userId(user.name),
      project: scope.project,
      projectId: scope.project ? projectId(scope.project) : undefined,
      domainId: scope.domainId,
      system: scope.system,
      roles,
      methods: ['password'],
      issuedAt,
      expiresAt: issuedAt + ttlMs,
      auditId: randomBytes(16).toString('base64url'),
    });
    return token;
  };

  const issueToken = (userName: string, project?: string): string => {
    const user = USERS.find((u) => u.name === userName);
    if (!user) throw new Error(`dev keystone: no user ${userName}`);
    const p = project === undefined ? undefined : PROJECTS.find((x) => x === project);
    if (project !== undefined && !p) throw new Error(`dev keystone: no project ${project}`);
    try {
      return mint(user, { project: p });
    } catch {
      throw new Error(`dev keystone: user ${userName} has no role on project ${project}`);
    }
  };

  const endpoints = (svc: string, epUrl: string) =>
    ['public', 'internal', 'admin'].map((i) => ({ id: stableId('endpoint', `${svc}-${i}`), interface: i, region_id: 'RegionOne', url: epUrl, region: 'RegionOne' }));

  const tokenDocument = (t: DevToken, withCatalog: boolean) => {
    const body: Record<string, unknown> = {
      methods: t.methods,
      user: { domain: { ...DEFAULT_DOMAIN }, id: t.userId, name: t.user.name, password_expires_at: null },
      audit_ids: [t.auditId],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
    };
    if (t.project) {
      body.project = { domain: { ...DEFAULT_DOMAIN }, id: t.projectId, name: t.project };
      body.is_domain = false;
    }
    if (t.domainId) body.domain = { ...DEFAULT_DOMAIN };
    if (t.system) body.system = { all: true };
    if (t.project || t.domainId || t.system) {
      body.roles = t.roles.map((r) => ({ id: roleId(r), name: r }));
      // Unscoped tokens carry no catalog at all.
      if (withCatalog) {
        body.catalog = [
          { endpoints: endpoints('keystone', url), id: stableId('service', 'keystone'), type: 'identity', name: 'keystone' },
          { endpoints: endpoints('barbican', barbicanUrl()), id: stableId('service', 'barbican'), type: 'key-manager', name: 'barbican' },
        ];
      }
    }
    return { token: body };
  };

  const versionDocument = () => ({
    id: 'v3.14',
    status: 'stable',
    updated: VERSION_UPDATED,
    links: [{ rel: 'self', href: `${url}/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });

  /** POST /v3/auth/tokens: password method, project / system scope or unscoped. */
  const authenticate = (body: unknown): { token: string; t: DevToken } => {
    if (!isObject(body) || !isObject(body.auth)) throw badRequest('auth', 'request body');
    const auth = body.auth;
    if (!isObject(auth.identity)) throw badRequest('identity', 'auth');
    const methods = auth.identity.methods;
    if (!Array.isArray(methods) || !methods.length || !methods.every((m) => typeof m === 'string')) throw badRequest('methods', 'identity');
    if (methods.some((m) => m !== 'password')) throw new KsError(401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.');
    const pw = auth.identity.password;
    if (!isObject(pw)) throw badRequest('password', 'identity');
    if (!isObject(pw.user)) throw badRequest('user', 'password');
    const u = pw.user;
    let user: DevUser | undefined;
    if (typeof u.id === 'string') {
      user = USERS.find((x) => userId(x.name) === u.id);
    } else if (typeof u.name === 'string') {
      if (!isObject(u.domain)) throw badRequest('domain', 'user');
      if (!domainMatches(u.domain)) throw unauthorized();
      user = USERS.find((x) => x.name === u.name);
    } else {
      throw badRequest('id or name', 'user');
    }
    if (!user || typeof u.password !== 'string' || u.password !== user.password) throw unauthorized();

    const scope = auth.scope;
    let project: DevProjectName | undefined;
    let domainId: string | undefined;
    let system = false;
    if (scope !== undefined && scope !== null) {
      if (!isObject(scope)) throw badRequest('project, domain or system', 'scope');
      if (isObject(scope.project)) {
        const p = scope.project;
        if (typeof p.id === 'string') {
          project = PROJECTS.find((x) => projectId(x) === p.id);
        } else if (typeof p.name === 'string') {
          if (!isObject(p.domain)) throw badRequest('domain', 'project');
          if (!domainMatches(p.domain)) throw unauthorized();
          project = PROJECTS.find((x) => x === p.name);
        } else {
          throw badRequest('name or ID', 'project');
        }
        if (!project) throw unauthorized();
      } else if (isObject(scope.domain)) {
        if (typeof scope.domain.id !== 'string' && typeof scope.domain.name !== 'string') throw badRequest('id or name', 'domain');
        if (!domainMatches(scope.domain)) throw unauthorized();
        domainId = DEFAULT_DOMAIN.id;
      } else if (isObject(scope.system)) {
        system = scope.system.all === true;
        if (!system) throw unauthorized();
      } else {
        throw unauthorized();
      }
    }
    const token = mint(user, { project, domainId, system });
    return { token, t: tokens.get(token)! };
  };

  const domainMatches = (d: Record<string, unknown>) =>
    typeof d.id === 'string' ? d.id === DEFAULT_DOMAIN.id : typeof d.name === 'string' ? d.name === DEFAULT_DOMAIN.name : false;

  /** GET / HEAD / DELETE /v3/auth/tokens: the caller's token must be valid; the subject is looked up before policy. */
  const subjectRequest = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams, reqId: string) => {
    const caller = find(header(req, 'x-auth-token'));
    if (!caller) throw unauthorized();
    const subjectToken = header(req, 'x-subject-token');
    const allowExpired = req.method !== 'DELETE' && ['1', 'true', 'yes', 'on', 'y', 't'].includes((query.get('allow_expired') ?? '').toLowerCase());
    let subject: DevToken | undefined;
    if (req.method === 'GET' && subjectToken !== undefined) validations.count(subjectToken);
    if (subjectToken !== undefined) {
      subject = find(subjectToken, allowExpired ? ALLOW_EXPIRED_WINDOW_MS : 0);
      const known = tokens.get(subjectToken);
      if (!subject) {
        // Expired, unknown, or valid but without roles on its scope any more (Keystone's TokenNotFound).
        const expired = !known || known.expiresAt + (allowExpired ? ALLOW_EXPIRED_WINDOW_MS : 0) <= now();
        throw new KsError(404, 'Not Found', !known ? 'Could not recognize Fernet token' : expired ? 'Failed to validate token' : `Could not find token: ${subjectToken}.`);
      }
    }
    // Default policy (legacy rules OR'ed in, as Keystone 22 runs by default):
    //   validate: admin or (reader and system scope) or service or token subject (same user);
    //   check (HEAD): the same without service; revoke: admin or token subject.
    const isAdmin = caller.roles.includes('admin');
    const systemReader = !!caller.system && caller.roles.includes('reader');
    const isService = caller.roles.includes('service');
    const sameUser = !!subject && subject.userId === caller.userId;
    const [action, allowed] =
      req.method === 'GET'
        ? ['identity:validate_token', isAdmin || systemReader || isService || sameUser]
        : req.method === 'HEAD'
          ? ['identity:check_token', isAdmin || systemReader || sameUser]
          : ['identity:revoke_token', isAdmin || sameUser];
    if (!allowed) throw forbiddenAction(action);
    if (!subject || subjectToken === undefined) throw new KsError(400, 'Bad Request', 'The browser (or proxy) sent a request that this server could not understand.');
    if (req.method === 'DELETE') {
      tokens.delete(subjectToken);
      res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    sendJson(res, 200, tokenDocument(subject, !query.has('nocatalog')), { 'X-Subject-Token': subjectToken, 'x-openstack-request-id': reqId });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reqId = requestId();
    try {
      const { path, query } = splitUrl(req);
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (path === '' && read) return sendJson(res, 300, { versions: { values: [versionDocument()] } }, { 'x-openstack-request-id': reqId });
      if (path === '/v3' && read) return sendJson(res, 200, { version: versionDocument() }, { 'x-openstack-request-id': reqId });
      if (path === '/_dev/token-validations' && req.method === 'GET') return sendJson(res, 200, validations.answer(query), { 'x-openstack-request-id': reqId });
      const answer = path !== '/v3/auth/tokens' ? assignments.route(req, path, query, find(header(req, 'x-auth-token')), url) : undefined;
      if (answer) {
        if (answer.status === 204) return void res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
        return sendJson(res, answer.status, answer.body, { 'x-openstack-request-id': reqId });
      }
      if (path !== '/v3/auth/tokens') throw new KsError(404, 'Not Found', 'The resource could not be found.');
      if (req.method === 'POST') {
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req)).toString('utf8'));
        } catch {
          throw new KsError(400, 'Bad Request', 'The browser (or proxy) sent a request that this server could not understand.');
        }
        const { token, t } = authenticate(body);
        return sendJson(res, 201, tokenDocument(t, !query.has('nocatalog')), { 'X-Subject-Token': token, 'x-openstack-request-id': reqId });
      }
      if (read || req.method === 'DELETE') return subjectRequest(req, res, query, reqId);
      throw new KsError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
    } catch (e) {
      if (!(e instanceof KsError)) return keystoneError(res, 500, 'Internal Server Error', 'An unexpected error prevented the server from fulfilling your request.');
      const headers: Record<string, string> = { 'x-openstack-request-id': reqId };
      if (e.status === 401) headers['WWW-Authenticate'] = `Keystone uri="${base}"`;
      keystoneError(res, e.status, e.title, e.message, headers);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, opts.port ?? 0, host);
  base = `http://${urlHost(host)}:${port}`;
  url = `${base}/v3`;
  return {
    server,
    url,
    issueToken,
    lookup: (token) => find(token),
    revoke: (token) => tokens.delete(token),
    validations: (subjectToken) => validations.validations(subjectToken),
    revokeRole: (user, project, role) => {
      const p = PROJECTS.find((x) => x === project);
      if (!p) throw new Error(`dev keystone: no project ${project}`);
      return assignments.revoke(user, p, role);
    },
    close: () => closeServer(server),
  };
}
