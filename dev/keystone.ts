// DEVELOPMENT ONLY — never for production. A Keystone v3 stand-in with the calls this service
// makes (password login, token self-validation), answering like the real one.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { PROJECTS, stableId, USERS, type DevUser } from './fixtures.js';
import { header, readBody, sendError, sendJson } from './http.js';

export interface DevToken {
  user: DevUser;
  project?: string;
  expiresAt: number;
  issuedAt: number;
  auditId: string;
}

export interface DevKeystone {
  server: Server;
  url: string;
  close(): Promise<void>;
  /** Token lookup for the development Barbican in the same process. */
  lookup(token: string | undefined): DevToken | undefined;
  issueToken(user: string, project?: string): string;
}

const keystoneTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export async function createDevKeystone(opts: { port?: number; host?: string; tokenTtlSeconds?: number; barbicanUrl: string }): Promise<DevKeystone> {
  const host = opts.host ?? '127.0.0.1';
  const ttl = (opts.tokenTtlSeconds ?? 3600) * 1000;
  const tokens = new Map<string, DevToken>();
  let url = '';

  const lookup = (token: string | undefined) => {
    const t = token ? tokens.get(token) : undefined;
    if (!t) return undefined;
    if (t.expiresAt <= Date.now()) {
      tokens.delete(token!);
      return undefined;
    }
    return t;
  };

  const issueToken = (userName: string, project?: string) => {
    const user = USERS.find((u) => u.name === userName);
    if (!user) throw new Error(`no user ${userName}`);
    // Fernet-looking, opaque.
    const token = `gAAAAA${randomBytes(48).toString('base64url')}`;
    const now = Date.now();
    tokens.set(token, { user, project, issuedAt: now, expiresAt: now + ttl, auditId: randomBytes(16).toString('base64url').slice(0, 22) });
    return token;
  };

  const tokenBody = (t: DevToken, withCatalog: boolean) => {
    const domain = { id: 'default', name: 'Default' };
    const body: Record<string, unknown> = {
      methods: ['password'],
      user: { id: stableId('user', t.user.name), name: t.user.name, domain, password_expires_at: null },
      audit_ids: [t.auditId],
      expires_at: keystoneTime(t.expiresAt),
      issued_at: keystoneTime(t.issuedAt),
    };
    if (t.project) {
      body.project = { id: stableId('project', t.project), name: t.project, domain };
      body.roles = (t.user.roles[t.project] ?? []).map((r) => ({ id: stableId('role', r), name: r }));
      body.is_domain = false;
    }
    if (withCatalog && t.project) {
      body.catalog = [
        { type: 'identity', name: 'keystone', id: stableId('service', 'keystone'), endpoints: ['public', 'internal', 'admin'].map((i) => ({ interface: i, region: 'RegionOne', region_id: 'RegionOne', url, id: stableId('ep', `ks-${i}`) })) },
        { type: 'key-manager', name: 'barbican', id: stableId('service', 'barbican'), endpoints: ['public', 'internal', 'admin'].map((i) => ({ interface: i, region: 'RegionOne', region_id: 'RegionOne', url: opts.barbicanUrl, id: stableId('ep', `bb-${i}`) })) },
      ];
    }
    return { token: body };
  };

  const server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      if (req.method === 'GET' && (path === '/v3' || path === '')) {
        sendJson(res, 200, { version: { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z', links: [{ rel: 'self', href: `${url}/` }], 'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }] } });
        return;
      }
      if (path !== '/v3/auth/tokens') return sendError(res, 404, 'Not Found', 'The resource could not be found.');

      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        const pw = body?.auth?.identity?.password?.user;
        const user = USERS.find((u) => (pw?.id ? stableId('user', u.name) === pw.id : u.name === pw?.name));
        if (!pw || !user || user.password !== pw.password) return sendError(res, 401, 'Unauthorized', 'The request you have made requires authentication.');
        const scope = body?.auth?.scope?.project;
        let project: string | undefined;
        if (scope) {
          project = PROJECTS.find((p) => (scope.id ? stableId('project', p) === scope.id : p === scope.name));
          if (!project || !(user.roles[project]?.length)) return sendError(res, 401, 'Unauthorized', 'The request you have made requires authentication.');
        }
        const token = issueToken(user.name, project);
        sendJson(res, 201, tokenBody(lookup(token)!, true), { 'X-Subject-Token': token });
        return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const caller = lookup(header(req, 'x-auth-token'));
        if (!caller) return sendError(res, 401, 'Unauthorized', 'The request you have made requires authentication.');
        const subjectToken = header(req, 'x-subject-token');
        const subject = lookup(subjectToken);
        if (!subject) return sendError(res, 404, 'Not Found', 'Could not find token.');
        const isAdmin = caller.project && caller.user.roles[caller.project]?.includes('admin');
        // Keystone lets a token validate itself, and admins validate anyone's; others get 403.
        if (subject !== caller && subject.user !== caller.user && !isAdmin) return sendError(res, 403, 'Forbidden', 'You are not authorized to perform the requested action.');
        sendJson(res, 200, tokenBody(subject, !query.has('nocatalog')), { 'X-Subject-Token': subjectToken! });
        return;
      }
      sendError(res, 405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
    } catch (e) {
      sendError(res, 400, 'Bad Request', (e as Error).message);
    }
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, host, r));
  url = `http://${host}:${(server.address() as { port: number }).port}/v3`;
  return {
    server,
    url,
    lookup,
    issueToken,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
