// DEVELOPMENT ONLY — never for production: an in-memory Barbican v1 stand-in (secrets, payloads, ACLs), payloads unencrypted.
// It answers like Barbican 15 (Debian bookworm) with its default policy, whose effective rules are the legacy
// ones (oslo.policy enforce_new_defaults = False): checked rule by rule against barbican.common.policies.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { barbicanError, barbicanTime, closeServer, header, keystoneError, listen, readBody, requestId, sendJson, splitUrl, urlHost } from './http.js';
import type { DevKeystone, DevToken } from './keystone.js';

export interface DevBarbicanOptions {
  port?: number;
  host?: string;
  /** Token checks happen in-process against the development Keystone (what keystonemiddleware asks the real one). */
  keystone: Pick<DevKeystone, 'lookup' | 'url'>;
  /** Clock in ms since the epoch (timestamps, expiration). */
  now?: () => number;
}

export interface DevBarbican {
  server: Server;
  /** Base URL without /v1, as in the catalog's key-manager endpoint. */
  url: string;
  close(): Promise<void>;
  /** For tests: how many secrets are held. */
  secretCount(): number;
  /** For tests: the owning project of a secret (the API itself never shows it). */
  ownerOf(secretRef: string): string | undefined;
}

interface SecretAcl {
  users: string[];
  projectAccess: boolean;
  created: number;
  updated: number;
}

interface Secret {
  id: string;
  name: string | null;
  projectId: string;
  creatorId: string;
  secretType: string;
  algorithm: string | null;
  bitLength: number | null;
  mode: string | null;
  expiration: number | null;
  created: number;
  updated: number;
  payload?: Buffer;
  /** Normalized: text/plain, application/octet-stream or application/pkcs8. */
  contentType?: string;
  /** The 'read' ACL; undefined = the implicit default (project access, no users). */
  readAcl?: SecretAcl;
}

const MAX_SECRET_BYTES = 20_000;
const MAX_REQUEST_BYTES = 25_000;
const MYSQL_SMALL_INT_MAX = 32_767;
const SECRET_TYPES = ['symmetric', 'passphrase', 'private', 'public', 'certificate', 'opaque'];
const PLAIN_TEXT = ['text/plain', 'text/plain;charset=utf-8', 'text/plain; charset=utf-8'];
const BINARY = ['application/octet-stream', 'application/pkcs8'];
const SUPPORTED = [...PLAIN_TEXT, ...BINARY];
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** barbican.plugin.util.mime_types.normalize_content_type */
function normalizeContentType(mime: string): string {
  const parts = mime.split(';').map((s) => s.trim());
  const base = parts[0].toLowerCase();
  if (parts.length > 1) {
    const cs = parts[1].toLowerCase();
    if (!cs.includes('=')) return mime;
    if (cs.split('=').map((s) => s.trim())[1] !== 'utf-8') return mime;
  }
  const internal: Record<string, string> = { 'text/plain': 'text/plain', 'application/octet-stream': 'application/octet-stream', 'application/pkcs8': 'application/pkcs8', 'application/aes': 'application/aes' };
  return internal[base] ?? mime;
}
const isSupported = (mime: string) => SUPPORTED.includes(normalizeContentType(mime));
const encodingsFor = (normalized: string) => (normalized === 'text/plain' ? null : ['base64', 'binary']);

class BbError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    description: string,
  ) {
    super(description);
  }
}
const TITLES: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error' };
const fail = (status: number, description: string) => new BbError(status, TITLES[status] ?? 'Error', description);
/** PolicyNotAuthorized, as barbican.api.generate_safe_exception_message words it. */
const denied = (operation: string) => fail(403, `${operation} attempt not allowed - please review your user/project privileges`);
/** A BarbicanHTTPException raised inside an operation. */
const issue = (operation: string, status: number, reason: string) => fail(status, `${operation} issue seen - ${reason}.`);
const invalidObject = (schema: string, reason: string, property: string) => fail(400, `Provided object does not match schema '${schema}': ${reason}. Invalid property: '${property}'`);

/** Python's repr, near enough for jsonschema's messages. */
const pyRepr = (v: unknown) => (typeof v === 'string' ? `'${v}'` : v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : JSON.stringify(v));

export interface BarbicanCaller {
  userId: string;
  projectId: string;
  roles: ReadonlySet<string>;
}

/** What a policy check needs of a secret. */
export interface BarbicanPolicySecret {
  projectId: string;
  creatorId: string;
  readAcl?: { users: readonly string[]; projectAccess: boolean };
}

export type BarbicanAction =
  | 'secrets:post'
  | 'secrets:get'
  | 'secret:get'
  | 'secret:decrypt'
  | 'secret:put'
  | 'secret:delete'
  | 'secret_acls:get'
  | 'secret_acls:put_patch'
  | 'secret_acls:delete';

/**
 * Barbican 15's effective default rules: the legacy ones (barbican/common/policies/{base,secrets,acls}.py,
 * deprecated but still enforced while oslo.policy's enforce_new_defaults is False, its default). What they
 * mean: `member` or `reader` alone grant nothing; reading needs admin, creator or observer (audit: metadata
 * only) in the owning project, or the user named in the read ACL. test/unit/dev checks this against the
 * real rules when Debian's python3-barbican is installed.
 */
export function barbicanAllows(action: BarbicanAction, c: BarbicanCaller, s?: BarbicanPolicySecret): boolean {
  const role = (r: string) => c.roles.has(r);
  const admin = role('admin');
  const creator = role('creator');
  const allUsers = admin || role('observer') || creator || role('audit') || role('key-manager:service-admin');
  const allButAudit = admin || role('observer') || creator;
  if (action === 'secrets:post') return admin || creator;
  if (action === 'secrets:get') return allButAudit;
  if (!s) return false;
  const projectMatch = c.projectId === s.projectId;
  const projectAdmin = admin && projectMatch;
  const projectCreator = creator && projectMatch && c.userId === s.creatorId;
  // The ACL routes' target carries no ACL data, so secret_private_read is false there.
  const aclRoute = action.startsWith('secret_acls:');
  const privateRead = !aclRoute && !!s.readAcl && !s.readAcl.projectAccess;
  const aclRead = !aclRoute && !!s.readAcl?.users.includes(c.userId);
  switch (action) {
    case 'secret:get':
      return (allUsers && projectMatch && !privateRead) || projectCreator || projectAdmin || aclRead;
    case 'secret:decrypt':
      return (allButAudit && projectMatch && !privateRead) || projectCreator || projectAdmin || aclRead;
    case 'secret:put':
      return (admin || creator) && projectMatch;
    case 'secret:delete':
      return projectAdmin || projectCreator || (creator && projectMatch && !privateRead);
    case 'secret_acls:get':
      return allButAudit && projectMatch;
    case 'secret_acls:put_patch':
    case 'secret_acls:delete':
      return projectAdmin || projectCreator || (creator && projectMatch && allUsers && !privateRead);
  }
  return false;
}

export async function createDevBarbican(opts: DevBarbicanOptions): Promise<DevBarbican> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const secrets = new Map<string, Secret>();
  let url = '';

  const secretRef = (id: string) => `${url}/v1/secrets/${id}`;
  const versionDocument = () => ({
    id: 'v1',
    status: 'stable',
    links: [
      { rel: 'self', href: `${url}/v1/` },
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.key-manager-v1+json' }],
  });

  // The real metadata does not show the owning project (nor the ACL).
  const metadata = (s: Secret) => ({
    created: barbicanTime(s.created),
    updated: barbicanTime(s.updated),
    status: 'ACTIVE',
    name: s.name,
    secret_type: s.secretType,
    expiration: s.expiration === null ? null : barbicanTime(s.expiration),
    algorithm: s.algorithm,
    bit_length: s.bitLength,
    mode: s.mode,
    creator_id: s.creatorId,
    ...(s.contentType ? { content_types: { default: s.contentType } } : {}),
    secret_ref: secretRef(s.id),
  });

  const live = (s: Secret) => s.expiration === null || s.expiration > now();

  async function jsonBody(req: IncomingMessage): Promise<unknown> {
    const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (ct !== 'application/json') throw fail(415, "Unexpected content type. Expected content types are: ['application/json']");
    const raw = await readBody(req, 1 << 20);
    // Barbican reads at most max_allowed_request_size_in_bytes: a longer body is cut, hence malformed.
    try {
      if (raw.length > MAX_REQUEST_BYTES) throw new Error('truncated');
      return stripWhitespace(JSON.parse(raw.toString('utf8')));
    } catch {
      throw fail(400, 'Malformed JSON');
    }
  }

  /** POST /v1/secrets body, as NewSecretValidator checks it. */
  function validateNewSecret(data: unknown) {
    const S = 'Secret';
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const d = data as Record<string, unknown>;
    const str = (k: string, nullable = false) => {
      const v = d[k];
      if (v === undefined || (nullable && v === null)) return;
      if (typeof v !== 'string') throw invalidObject(S, `${pyRepr(v)} is not of type ${nullable ? "'string', 'null'" : "'string'"}`, k);
      if (v.length > 255 && k !== 'payload' && k !== 'transport_key_id') throw invalidObject(S, `${pyRepr(v)} is too long`, k);
    };
    for (const k of ['algorithm', 'mode', 'expiration', 'payload', 'transport_key_id']) str(k);
    str('name', true);
    str('payload_content_type', true);
    if (d.bit_length !== undefined) {
      const b = d.bit_length;
      if (typeof b !== 'number' || !Number.isInteger(b)) throw invalidObject(S, `${pyRepr(b)} is not of type 'integer'`, 'bit_length');
      if (b < 1) throw invalidObject(S, `${b} is less than the minimum of 1`, 'bit_length');
      if (b > MYSQL_SMALL_INT_MAX) throw invalidObject(S, `${b} is greater than the maximum of ${MYSQL_SMALL_INT_MAX}`, 'bit_length');
    }
    if (d.secret_type !== undefined && !SECRET_TYPES.includes(d.secret_type as string)) {
      throw invalidObject(S, `${pyRepr(d.secret_type)} is not one of [${SECRET_TYPES.map(pyRepr).join(', ')}]`, 'secret_type');
    }
    if (d.payload_content_encoding !== undefined && d.payload_content_encoding !== 'base64') throw invalidObject(S, `${pyRepr(d.payload_content_encoding)} is not one of ['base64']`, 'payload_content_encoding');
    if (d.transport_key_needed !== undefined && d.transport_key_needed !== 'true' && d.transport_key_needed !== 'false') throw invalidObject(S, `${pyRepr(d.transport_key_needed)} is not one of ['true', 'false']`, 'transport_key_needed');
    if (d.transport_key_needed === 'true' || d.transport_key_id !== undefined) throw fail(400, 'Transport keys are not supported by the development Barbican');

    let expiration: number | null = null;
    if (typeof d.expiration === 'string' && d.expiration) {
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(d.expiration) ? d.expiration : `${d.expiration}Z`);
      if (Number.isNaN(ms)) throw invalidObject(S, "Invalid date for 'expiration'", 'expiration');
      if (ms <= now()) throw invalidObject(S, "'expiration' is before current time", 'expiration');
      expiration = ms;
    }
    const contentType = (d.payload_content_type ?? undefined) as string | undefined;
    let payload: Buffer | undefined;
    let normalized: string | undefined;
    if ('payload' in d) {
      const encoding = d.payload_content_encoding as string | undefined;
      if (contentType === undefined) throw invalidObject(S, "If 'payload' is supplied, 'payload_content_type' must also be supplied.", 'payload_content_type');
      if (!isSupported(contentType)) throw invalidObject(S, `payload_content_type is not one of [${SUPPORTED.map(pyRepr).join(', ')}]`, 'payload_content_type');
      normalized = normalizeContentType(contentType);
      const allowed = encodingsFor(normalized);
      if (allowed ? !allowed.includes(encoding as string) : encoding !== undefined) {
        throw invalidObject(S, `payload_content_encoding is not one of ${allowed ? `[${allowed.map(pyRepr).join(', ')}]` : 'None'}`, 'payload_content_encoding');
      }
      const text = d.payload as string;
      if (Buffer.byteLength(text) > MAX_SECRET_BYTES) throw fail(413, 'Provided information too large to process');
      if (!text) throw invalidObject(S, "If 'payload' specified, must be non empty", 'payload');
      if (encoding === 'base64') {
        const decoded = pyB64decode(text);
        if (!decoded) throw invalidObject(S, 'Invalid payload for payload_content_encoding', 'payload');
        payload = decoded;
      } else {
        payload = Buffer.from(text, 'utf8');
      }
    } else if ('payload_content_type' in d) {
      throw invalidObject(S, 'payload must be provided when payload_content_type is specified', 'payload');
    }
    return { d, expiration, payload, normalized };
  }

  /** _on_get_secret_payload: the Accept header picks the form; no Accept means octet-stream, */
  /** and a wildcard the stored type. */
  function payloadResponse(req: IncomingMessage, res: ServerResponse, s: Secret, operation: string, reqId: string) {
    let accept = header(req, 'accept') || 'application/octet-stream';
    if (!s.payload || !s.contentType) throw fail(404, 'Not Found. Sorry but your secret has no payload.');
    if (accept === '*/*') accept = s.contentType;
    if (!isSupported(accept)) throw issue(operation, 406, 'Wrong payload content-type');
    let body: Buffer;
    if (PLAIN_TEXT.includes(accept)) {
      try {
        body = Buffer.from(new TextDecoder('utf-8', { fatal: true }).decode(s.payload), 'utf8');
      } catch {
        throw issue(operation, 406, 'Wrong payload content-type');
      }
    } else if (BINARY.includes(accept)) {
      body = s.payload;
    } else {
      throw issue(operation, 400, `content-type of '${accept}' not supported`);
    }
    res.writeHead(200, { 'Content-Type': accept, 'Content-Length': String(body.length), 'x-openstack-request-id': reqId });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function secretsCollection(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, query: URLSearchParams, reqId: string) {
    if (req.method === 'POST') {
      if (!barbicanAllows('secrets:post', caller)) throw denied('Secret creation');
      const { d, expiration, payload, normalized } = validateNewSecret(await jsonBody(req));
      const id = randomUUID();
      const t = now();
      secrets.set(id, {
        id,
        name: typeof d.name === 'string' ? d.name : null,
        projectId: caller.projectId,
        creatorId: caller.userId,
        secretType: (d.secret_type as string | undefined) ?? 'opaque',
        algorithm: (d.algorithm as string | undefined) ?? null,
        bitLength: (d.bit_length as number | undefined) ?? null,
        mode: (d.mode as string | undefined) ?? null,
        expiration,
        created: t,
        updated: t,
        payload,
        contentType: normalized,
      });
      return sendJson(res, 201, { secret_ref: secretRef(id) }, { Location: secretRef(id), 'x-openstack-request-id': reqId });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!barbicanAllows('secrets:get', caller)) throw denied('Secret(s) retrieval');
      const int = (v: string | null, dflt: number) => (v !== null && /^\s*[+-]?\d+\s*$/.test(v) ? parseInt(v, 10) : dflt);
      const offset = Math.max(0, int(query.get('offset'), 0));
      const limit = Math.min(100, Math.max(1, int(query.get('limit'), 10) || 10));
      const like = (pattern: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');
      const name = query.get('name') ? like(query.get('name')!) : undefined;
      const alg = query.get('alg') ? like(query.get('alg')!) : undefined;
      const mode = query.get('mode') ? like(query.get('mode')!) : undefined;
      const bits = int(query.get('bits'), 0);
      const type = query.get('secret_type');
      const aclOnly = (query.get('acl_only') ?? '').toLowerCase() === 'true';
      const all = [...secrets.values()].filter(
        (s) =>
          live(s) &&
          (aclOnly ? !!s.readAcl?.users.includes(caller.userId) : s.projectId === caller.projectId) &&
          (!name || (s.name !== null && name.test(s.name))) &&
          (!alg || (s.algorithm !== null && alg.test(s.algorithm))) &&
          (!mode || (s.mode !== null && mode.test(s.mode))) &&
          (bits <= 0 || s.bitLength === bits) &&
          (!type || s.secretType === type),
      );
      const page = all.slice(offset, offset + limit);
      const out: Record<string, unknown> = { secrets: page.map(metadata) };
      if (page.length) {
        const list = (o: number) => `${url}/v1/secrets?limit=${limit}&offset=${o}`;
        if (offset > 0) out.previous = list(Math.max(0, offset - limit));
        if (all.length > offset + limit) out.next = list(offset + limit);
      }
      out.total = all.length;
      return sendJson(res, 200, out, { 'x-openstack-request-id': reqId });
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  async function secretResource(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, s: Secret, sub: string | undefined, reqId: string) {
    const may = (action: BarbicanAction) => barbicanAllows(action, caller, s);
    const method = req.method ?? 'GET';
    if (sub === undefined) {
      if (method === 'GET' || method === 'HEAD') {
        // A GET with an Accept other than JSON is the deprecated way to read the payload (rule secret:decrypt).
        const accept = header(req, 'accept');
        const wantsJson = accept === undefined || accept === 'application/json' || accept === '*/*';
        if (!may(wantsJson ? 'secret:get' : 'secret:decrypt')) throw denied('Secret retrieval');
        if (wantsJson) return sendJson(res, 200, metadata(s), { 'x-openstack-request-id': reqId });
        return payloadResponse(req, res, s, 'Secret retrieval', reqId);
      }
      if (method === 'DELETE') {
        if (!may('secret:delete')) throw denied('Secret deletion');
        secrets.delete(s.id);
        res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
        return;
      }
      if (method === 'PUT') {
        if (!may('secret:put')) throw denied('Secret update');
        const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
        if (ct !== 'application/octet-stream' && ct !== 'text/plain') {
          throw fail(415, "Unexpected content type. Expected content types are: ['application/octet-stream', 'text/plain']");
        }
        const raw = await readBody(req, 1 << 20);
        if (!raw.length) throw issue('Secret update', 400, 'No data supplied to process.');
        if (raw.length > MAX_SECRET_BYTES) throw issue('Secret update', 413, 'Provided information too large to process');
        if (s.payload) throw fail(409, 'Secret already has data, cannot modify it.');
        const encoding = (header(req, 'content-encoding') ?? '').toLowerCase();
        s.payload = ct === 'application/octet-stream' && encoding === 'base64' ? Buffer.from(raw.toString('latin1'), 'base64') : raw;
        s.contentType = ct;
        s.updated = now();
        res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
        return;
      }
      throw fail(405, 'The method is not allowed for the requested URL.');
    }
    if (sub === 'payload') {
      if (!may('secret:decrypt')) throw denied('Secret payload retrieval');
      if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
      return payloadResponse(req, res, s, 'Secret payload retrieval', reqId);
    }
    // sub === 'acl'
    if (method === 'GET' || method === 'HEAD') {
      if (!may('secret_acls:get')) throw denied('SecretACL(s) retrieval');
      const a = s.readAcl;
      const body = a ? { read: { 'project-access': a.projectAccess, users: a.users, created: barbicanTime(a.created), updated: barbicanTime(a.updated) } } : { read: { 'project-access': true } };
      return sendJson(res, 200, body, { 'x-openstack-request-id': reqId });
    }
    if (method === 'PUT' || method === 'PATCH') {
      if (!may('secret_acls:put_patch')) throw denied('SecretACL(s) Update');
      const data = validateAcl(await jsonBody(req));
      const read = data.read as Record<string, unknown> | undefined;
      const t = now();
      // Python's truthiness: an empty "read" object counts as absent.
      if (read && Object.keys(read).length) {
        const users = read.users as string[] | undefined;
        const access = read['project-access'] as boolean | undefined;
        const prev = s.readAcl;
        s.readAcl =
          method === 'PUT'
            ? { users: users ?? [], projectAccess: access ?? true, created: prev?.created ?? t, updated: t }
            : { users: users ?? prev?.users ?? [], projectAccess: access ?? prev?.projectAccess ?? true, created: prev?.created ?? t, updated: t };
      } else if (method === 'PUT') {
        s.readAcl = undefined;
      }
      return sendJson(res, 200, { acl_ref: `${secretRef(s.id)}/acl` }, { 'x-openstack-request-id': reqId });
    }
    if (method === 'DELETE') {
      if (!may('secret_acls:delete')) throw denied('SecretACL(s) deletion');
      s.readAcl = undefined;
      res.writeHead(200, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  /** ACLValidator: only a "read" operation with "users" (strings) and "project-access" (boolean). */
  function validateAcl(data: unknown): Record<string, unknown> {
    const S = 'ACL';
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const d = data as Record<string, unknown>;
    const extra = Object.keys(d).filter((k) => k !== 'read');
    if (extra.length) throw invalidObject(S, `Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`, 'additionalProperties');
    if (d.read === undefined) return d;
    const r = d.read;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalidObject(S, `${pyRepr(r)} is not of type 'object'`, 'read');
    const ro = r as Record<string, unknown>;
    const extraR = Object.keys(ro).filter((k) => k !== 'users' && k !== 'project-access');
    if (extraR.length) throw invalidObject(S, `Additional properties are not allowed (${extraR.map(pyRepr).join(', ')} ${extraR.length > 1 ? 'were' : 'was'} unexpected)`, 'read');
    if (ro.users !== undefined && (!Array.isArray(ro.users) || !ro.users.every((u) => typeof u === 'string' && u.length <= 255))) throw invalidObject(S, `${pyRepr(ro.users)} is not of type 'array'`, 'read');
    if (ro['project-access'] !== undefined && typeof ro['project-access'] !== 'boolean') throw invalidObject(S, `${pyRepr(ro['project-access'])} is not of type 'boolean'`, 'read');
    return d;
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reqId = requestId();
    try {
      const { path, query } = splitUrl(req);
      const method = req.method ?? 'GET';
      // The versions document needs no token.
      if (path === '') {
        if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
        return sendJson(res, 300, { versions: { values: [versionDocument()] } }, { 'x-openstack-request-id': reqId });
      }
      if (path !== '/v1' && !path.startsWith('/v1/')) throw fail(404, 'The resource could not be found.');

      // keystonemiddleware: no valid token, 401 in Keystone's error shape.
      const token: DevToken | undefined = opts.keystone.lookup(header(req, 'x-auth-token'));
      // Barbican's context middleware also refuses tokens without a project (unscoped or system).
      if (!token || !token.projectId) {
        return keystoneError(res, 401, 'Unauthorized', 'The request you have made requires authentication.', {
          'WWW-Authenticate': `Keystone uri="${opts.keystone.url}"`,
          'x-openstack-request-id': reqId,
        });
      }
      const caller: BarbicanCaller = { userId: token.userId, projectId: token.projectId, roles: new Set(token.roles.map((r) => r.toLowerCase())) };

      if (path === '/v1') {
        if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
        return sendJson(res, 200, { version: versionDocument() }, { 'x-openstack-request-id': reqId });
      }
      if (path === '/v1/secrets') return await secretsCollection(req, res, caller, query, reqId);
      const m = /^\/v1\/secrets\/([^/]+)(?:\/([^/]+))?$/.exec(path);
      if (!m) throw fail(404, 'The resource could not be found.');
      // The secret is looked up before any policy check: unknown is 404 for everybody.
      if (!UUID4.test(m[1])) throw fail(404, 'Not Found. Provided secret id is invalid.');
      const s = secrets.get(m[1]);
      if (!s || !live(s)) throw fail(404, 'Secret not found.');
      if (m[2] !== undefined && m[2] !== 'payload' && m[2] !== 'acl') throw fail(404, 'The resource could not be found.');
      return await secretResource(req, res, caller, s, m[2], reqId);
    } catch (e) {
      if (e instanceof BbError) return barbicanError(res, e.status, e.title, e.message, { 'x-openstack-request-id': reqId });
      barbicanError(res, 500, 'Internal Server Error', 'The development Barbican failed: ' + (e as Error).message, { 'x-openstack-request-id': reqId });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, opts.port ?? 0, host);
  url = `http://${urlHost(host)}:${port}`;
  return {
    server,
    url,
    secretCount: () => secrets.size,
    ownerOf: (ref) => secrets.get(ref.split('/').pop() ?? '')?.projectId,
    close: () => closeServer(server),
  };
}

/** barbican.api.strip_whitespace: every string value in the body is trimmed. */
function stripWhitespace(v: unknown): unknown {
  if (typeof v === 'string') return v.trim();
  if (Array.isArray(v)) return v.map(stripWhitespace);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripWhitespace(x)]));
  return v;
}

/** Python's base64.b64decode (binascii.a2b_base64, non-strict): skips non-alphabet characters, stops at a */
/** completing pad, and fails on a partial final quad. */
function pyB64decode(text: string): Buffer | null {
  let data = '';
  let quadPos = 0;
  let pads = 0;
  for (const ch of text) {
    if (ch === '=') {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return Buffer.from(data, 'base64');
      continue;
    }
    if (!/[A-Za-z0-9+/]/.test(ch)) continue;
    data += ch;
    pads = 0;
    quadPos = (quadPos + 1) & 3;
  }
  return quadPos === 0 ? Buffer.from(data, 'base64') : null;
}
