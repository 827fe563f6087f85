// DEVELOPMENT ONLY — never for production. A Barbican v1 stand-in for secrets (store, metadata,
// payload, delete, ACL), with the legacy default policy's answers. Keeps everything in memory.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { stableId } from './fixtures.js';
import { header, readBody, sendError, sendJson } from './http.js';
import type { DevToken } from './keystone.js';

interface Secret {
  id: string;
  name?: string;
  projectId: string;
  creatorId: string;
  payload: Buffer;
  contentType: string;
  secretType: string;
  algorithm?: string;
  bitLength?: number;
  mode?: string;
  created: string;
  aclReadUsers: string[];
}

export interface DevBarbican {
  server: Server;
  url: string;
  close(): Promise<void>;
  /** For tests: every payload held, to prove where keys are (and are not). */
  secretCount(): number;
}

const READ_ROLES = ['admin', 'creator', 'member'];
const WRITE_ROLES = ['admin', 'creator'];

export async function createDevBarbican(opts: { port?: number; host?: string; lookup: (token: string | undefined) => DevToken | undefined }): Promise<DevBarbican> {
  const host = opts.host ?? '127.0.0.1';
  const secrets = new Map<string, Secret>();
  let url = '';

  const rolesIn = (t: DevToken, projectId: string) => (t.project && stableId('project', t.project) === projectId ? t.user.roles[t.project] ?? [] : []);

  const server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      if (path === '' && req.method === 'GET') {
        sendJson(res, 300, { versions: { values: [{ id: 'v1', status: 'stable', links: [{ rel: 'self', href: `${url}/v1/` }] }] } });
        return;
      }
      const t = opts.lookup(header(req, 'x-auth-token'));
      if (!t) return sendError(res, 401, 'Unauthorized', 'Authentication required');
      if (!t.project) return sendError(res, 403, 'Forbidden', 'A project-scoped token is required');
      const projectId = stableId('project', t.project);
      const userId = stableId('user', t.user.name);

      if (path === '/v1/secrets' && req.method === 'POST') {
        if (!t.user.roles[t.project]?.some((r) => WRITE_ROLES.includes(r))) return sendError(res, 403, 'Forbidden', 'Secret creation attempt not allowed - please review your user/project privileges');
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        if (typeof body.payload !== 'string' || !body.payload) return sendError(res, 400, 'Bad Request', "Provided object does not match schema 'Secret': payload is required");
        const payload = body.payload_content_encoding === 'base64' ? Buffer.from(body.payload, 'base64') : Buffer.from(body.payload, 'utf8');
        const id = randomUUID();
        secrets.set(id, {
          id,
          name: body.name,
          projectId,
          creatorId: userId,
          payload,
          contentType: body.payload_content_type ?? 'application/octet-stream',
          secretType: body.secret_type ?? 'opaque',
          algorithm: body.algorithm,
          bitLength: body.bit_length,
          mode: body.mode,
          created: new Date().toISOString(),
          aclReadUsers: [],
        });
        sendJson(res, 201, { secret_ref: `${url}/v1/secrets/${id}` });
        return;
      }
      if (path === '/v1/secrets' && req.method === 'GET') {
        const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
        const limit = Number(q.get('limit') ?? 10);
        const offset = Number(q.get('offset') ?? 0);
        const own = [...secrets.values()].filter((s) => s.projectId === projectId);
        sendJson(res, 200, { secrets: own.slice(offset, offset + limit).map((s) => meta(s)), total: own.length });
        return;
      }
      const m = /^\/v1\/secrets\/([0-9a-f-]{36})(\/payload|\/acl)?$/.exec(path);
      if (!m) return sendError(res, 404, 'Not Found', 'Not Found. Sorry but your secret is in another castle.');
      const secret = secrets.get(m[1]);
      if (!secret) return sendError(res, 404, 'Not Found', 'Not Found. Sorry but your secret is in another castle.');
      const roles = rolesIn(t, secret.projectId);
      const canRead = roles.some((r) => READ_ROLES.includes(r)) || secret.aclReadUsers.includes(userId);
      const canWrite = roles.some((r) => WRITE_ROLES.includes(r));

      if (!m[2] && req.method === 'GET') {
        if (!canRead) return sendError(res, 403, 'Forbidden', 'Secret retrieval attempt not allowed - please review your user/project privileges');
        return sendJson(res, 200, meta(secret));
      }
      if (m[2] === '/payload' && req.method === 'GET') {
        if (!canRead) return sendError(res, 403, 'Forbidden', 'Secret payload retrieval attempt not allowed - please review your user/project privileges');
        res.writeHead(200, { 'Content-Type': secret.contentType }).end(secret.payload);
        return;
      }
      if (!m[2] && req.method === 'DELETE') {
        if (!canWrite) return sendError(res, 403, 'Forbidden', 'Secret deletion attempt not allowed - please review your user/project privileges');
        secrets.delete(secret.id);
        res.writeHead(204).end();
        return;
      }
      if (m[2] === '/acl' && req.method === 'PUT') {
        if (!canWrite) return sendError(res, 403, 'Forbidden', 'SecretACL(s) Update attempt not allowed - please review your user/project privileges');
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        secret.aclReadUsers = Array.isArray(body?.read?.users) ? body.read.users.map(String) : [];
        sendJson(res, 200, { acl_ref: `${url}/v1/secrets/${secret.id}/acl` });
        return;
      }
      sendError(res, 405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
    } catch (e) {
      sendError(res, 400, 'Bad Request', (e as Error).message);
    }
  });

  // The real one does not show the owning project either.
  const meta = (s: Secret) => ({
    secret_ref: `${url}/v1/secrets/${s.id}`,
    name: s.name ?? null,
    status: 'ACTIVE',
    secret_type: s.secretType,
    algorithm: s.algorithm ?? null,
    bit_length: s.bitLength ?? null,
    mode: s.mode ?? null,
    creator_id: s.creatorId,
    created: s.created,
    updated: s.created,
    expiration: null,
    content_types: { default: s.contentType },
  });

  await new Promise<void>((r) => server.listen(opts.port ?? 0, host, r));
  url = `http://${host}:${(server.address() as { port: number }).port}`;
  return { server, url, secretCount: () => secrets.size, close: () => new Promise<void>((r) => server.close(() => r())) };
}
