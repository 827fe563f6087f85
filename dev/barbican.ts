// DEVELOPMENT ONLY — never for production: an in-memory Barbican v1 stand-in (secrets, payloads, ACLs, secret user metadata,
// containers and their ACLs), payloads unencrypted.
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
  /** For tests: the owning project of a secret or container (the API itself never shows it). */
  ownerOf(ref: string): string | undefined;
  /** For tests: how many containers are held. */
  containerCount(): number;
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
  /** User metadata (secret_user_metadata): lower-case keys as Barbican stores them, in insertion order. */
  userMeta: Map<string, string>;
}

/** A container: named references to secrets of its project (models.Container, ContainerSecret). */
interface Container {
  id: string;
  name: string | null;
  type: 'generic' | 'rsa' | 'certificate';
  projectId: string;
  creatorId: string;
  created: number;
  updated: number;
  secretRefs: { name: string | null; secretId: string }[];
  /** The 'read' ACL, as for secrets. */
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
const CONTAINER_TYPES = ['generic', 'rsa', 'certificate'] as const;
/** CONF.default_limit_paging, CONF.max_limit_paging */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

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

/** Python's repr of a JSON value, near enough for jsonschema's messages. */
function pyRepr(v: unknown): string {
  if (typeof v === 'string') {
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return v.includes("'") && !v.includes('"') ? `"${body}"` : `'${body.replace(/'/g, "\\'")}'`;
  }
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/**
 * jsonschema's best_match among a body's schema violations: the error highest up in the instance wins, then one
 * whose instance is not of its schema's type, then the first found (in the schema's keyword order).
 */
class SchemaViolations {
  private best?: { depth: number; typeError: boolean; reason: string; property: string };
  constructor(private readonly schema: string) {}
  add(depth: number, reason: string, property: string, typeError = false) {
    const b = this.best;
    if (!b || depth < b.depth || (depth === b.depth && typeError && !b.typeError)) this.best = { depth, typeError, reason, property };
  }
  /** A type violation: `value is not of type ...`. */
  type(depth: number, value: unknown, types: string, property: string) {
    this.add(depth, `${pyRepr(value)} is not of type ${types}`, property, true);
  }
  /** maxLength / minLength of a string (in code points, as Python counts). */
  length(depth: number, value: string, property: string, max?: number, min?: number) {
    const n = [...value].length;
    if (max !== undefined && n > max) this.add(depth, `${pyRepr(value)} is too long`, property);
    if (min !== undefined && n < min) this.add(depth, `${pyRepr(value)} is too short`, property);
  }
  check() {
    if (this.best) throw invalidObject(this.schema, this.best.reason, this.best.property);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Python's str.islower() on the URL-safe keys metadata allows: some cased letter, none upper case. */
const pyIsLower = (s: string) => /[a-z]/.test(s) && !/[A-Z]/.test(s);
/** The validators' _check_string_url_safe: re.match('^[A-Za-z0-9_-]*$'), whose $ also matches before a final newline. */
const urlSafe = (s: string) => /^[A-Za-z0-9_-]*\n?$/.test(s);
/** Python's int() of a query value (whitespace, sign, digit underscores), or undefined where it raises. */
const pyInt = (v: string) => (/^\s*[+-]?\d+(_\d+)*\s*$/.test(v) ? parseInt(v.replace(/_/g, ''), 10) : undefined);

/** repositories.clean_paging_values */
function cleanPaging(offsetArg: string | null, limitArg: string | null): { offset: number; limit: number } {
  const o = offsetArg ? pyInt(offsetArg) : 0;
  const offset = o === undefined || o < 0 || o > Number.MAX_SAFE_INTEGER ? 0 : o;
  const l = limitArg ? pyInt(limitArg) : DEFAULT_LIMIT;
  const limit = l === undefined ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.max(1, l));
  return { offset, limit };
}

/** A path segment as the WSGI server unquotes it. */
function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** A SQL LIKE pattern (% and _) as a regular expression. */
const sqlLike = (pattern: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');

/** ContainerValidator._get_secret_id_from_ref (also models.Container's): the last path segment, or the one before a final slash. */
function secretIdFromRef(ref: string): string {
  if (ref.endsWith('/')) {
    const trimmed = ref.slice(0, -1);
    const i = trimmed.lastIndexOf('/');
    return i < 0 ? '' : trimmed.slice(i + 1);
  }
  return ref.slice(ref.lastIndexOf('/') + 1);
}

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

export async function createDevBarbican(opts: DevBarbicanOptions): Promise<DevBarbican> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const secrets = new Map<string, Secret>();
  const containers = new Map<string, Container>();
  let url = '';

  const secretRef = (id: string) => `${url}/v1/secrets/${id}`;
  const containerRef = (id: string) => `${url}/v1/containers/${id}`;
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

  /** enforce_content_types(['application/json']), then api.load_body. */
  async function jsonBody(req: IncomingMessage): Promise<unknown> {
    const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (ct !== 'application/json') throw fail(415, "Unexpected content type. Expected content types are: ['application/json']");
    return parseJson(req);
  }

  /** api.load_body: JSON with every string value trimmed. */
  async function parseJson(req: IncomingMessage): Promise<unknown> {
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
        userMeta: new Map(),
      });
      return sendJson(res, 201, { secret_ref: secretRef(id) }, { Location: secretRef(id), 'x-openstack-request-id': reqId });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!barbicanAllows('secrets:get', caller)) throw denied('Secret(s) retrieval');
      const int = (v: string | null, dflt: number) => (v !== null && /^\s*[+-]?\d+\s*$/.test(v) ? parseInt(v, 10) : dflt);
      const offset = Math.max(0, int(query.get('offset'), 0));
      const limit = Math.min(100, Math.max(1, int(query.get('limit'), 10) || 10));
      const name = query.get('name') ? sqlLike(query.get('name')!) : undefined;
      const alg = query.get('alg') ? sqlLike(query.get('alg')!) : undefined;
      const mode = query.get('mode') ? sqlLike(query.get('mode')!) : undefined;
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

  async function secretResource(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, s: Secret, sub: string | undefined, key: string | undefined, reqId: string) {
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
        // Secret._do_delete_children: its container references go too (its user metadata and ACLs with it).
        for (const c of containers.values()) c.secretRefs = c.secretRefs.filter((r) => r.secretId !== s.id);
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
    if (sub === 'metadata') return secretMetadata(req, res, s, key, may, reqId);
    return aclResource(req, res, 'secret', s, secretRef(s.id), may, reqId);
  }

  /** SecretACLsController and ContainerACLsController: the same routes, answers and rules (secret_acls:*, container_acls:*). */
  async function aclResource(req: IncomingMessage, res: ServerResponse, kind: 'secret' | 'container', o: { readAcl?: SecretAcl }, ref: string, may: (action: BarbicanAction) => boolean, reqId: string) {
    const method = req.method ?? 'GET';
    const title = kind === 'secret' ? 'SecretACL' : 'ContainerACL';
    if (method === 'GET' || method === 'HEAD') {
      if (!may(`${kind}_acls:get`)) throw denied(`${title}(s) retrieval`);
      const a = o.readAcl;
      const body = a ? { read: { 'project-access': a.projectAccess, users: a.users, created: barbicanTime(a.created), updated: barbicanTime(a.updated) } } : { read: { 'project-access': true } };
      return sendJson(res, 200, body, { 'x-openstack-request-id': reqId });
    }
    if (method === 'PUT' || method === 'PATCH') {
      if (!may(`${kind}_acls:put_patch`)) throw denied(`${title}(s) Update`);
      const data = validateAcl(await jsonBody(req));
      const read = data.read as Record<string, unknown> | undefined;
      const t = now();
      // Python's truthiness: an empty "read" object counts as absent.
      if (read && Object.keys(read).length) {
        const users = read.users as string[] | undefined;
        const access = read['project-access'] as boolean | undefined;
        const prev = o.readAcl;
        o.readAcl =
          method === 'PUT'
            ? { users: users ?? [], projectAccess: access ?? true, created: prev?.created ?? t, updated: t }
            : { users: users ?? prev?.users ?? [], projectAccess: access ?? prev?.projectAccess ?? true, created: prev?.created ?? t, updated: t };
      } else if (method === 'PUT') {
        o.readAcl = undefined;
      }
      return sendJson(res, 200, { acl_ref: `${ref}/acl` }, { 'x-openstack-request-id': reqId });
    }
    if (method === 'DELETE') {
      if (!may(`${kind}_acls:delete`)) throw denied(`${title}(s) deletion`);
      o.readAcl = undefined;
      res.writeHead(200, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  /**
   * SecretMetadataController (`/metadata`: GET, PUT replaces all, POST adds one key) and SecretMetadatumController
   * (`/metadata/{key}`: GET, PUT, DELETE). Keys are stored lower-cased; the `{key}` of a URL is taken as it is.
   */
  async function secretMetadata(req: IncomingMessage, res: ServerResponse, s: Secret, key: string | undefined, may: (action: BarbicanAction) => boolean, reqId: string) {
    const method = req.method ?? 'GET';
    const metadataRef = `${secretRef(s.id)}/metadata`;
    const hdr = { 'x-openstack-request-id': reqId };
    if (key === undefined) {
      if (method === 'GET' || method === 'HEAD') {
        if (!may('secret_meta:get')) throw denied('Secret metadata retrieval');
        return sendJson(res, 200, { metadata: Object.fromEntries(s.userMeta) }, hdr);
      }
      if (method === 'PUT') {
        if (!may('secret_meta:put')) throw denied('Secret metadata creation');
        s.userMeta = validateMetadata(await jsonBody(req));
        return sendJson(res, 201, { metadata_ref: metadataRef }, hdr);
      }
      if (method === 'POST') {
        if (!may('secret_meta:post')) throw denied('Secret metadatum creation');
        const d = validateMetadatum(await jsonBody(req));
        if (s.userMeta.has(d.key)) throw fail(409, 'Conflict. Key in request is already in the secret metadata');
        s.userMeta.set(d.key, d.value);
        return sendJson(res, 201, d, { Location: `${metadataRef}/${d.key}`, ...hdr });
      }
      throw fail(405, 'The method is not allowed for the requested URL.');
    }
    // SecretController._lookup answers other methods on a key before any policy check.
    if (method === 'GET') {
      if (!may('secret_meta:get')) throw denied('Secret metadatum retrieval');
      const value = s.userMeta.get(key);
      if (value === undefined) throw fail(404, 'Secret metadata not found.');
      return sendJson(res, 200, { key, value }, hdr);
    }
    if (method === 'PUT') {
      if (!may('secret_meta:put')) throw denied('Secret metadatum update');
      const d = validateMetadatum(await jsonBody(req));
      if (!s.userMeta.has(key)) throw fail(404, 'Secret metadata not found.');
      // Sic: Barbican's message stops there (a string continuation on its own line).
      if (key !== d.key) throw fail(409, 'Key in request data does not match key in the ');
      s.userMeta.set(d.key, d.value);
      return sendJson(res, 200, d, hdr);
    }
    if (method === 'DELETE') {
      if (!may('secret_meta:delete')) throw denied('Secret metadatum removal');
      // No existence check: deleting an absent key is a 204 too.
      s.userMeta.delete(key);
      res.writeHead(204, hdr).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  /** NewSecretMetadataValidator: {"metadata": {url-safe key: string}}; keys lower-cased as it does (in place, in order). */
  function validateMetadata(data: unknown): Map<string, string> {
    const S = 'SecretMetadata';
    if (!isObject(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    if (!('metadata' in data)) throw invalidObject(S, "'metadata' is a required property", 'metadata');
    if (!isObject(data.metadata)) throw invalidObject(S, `${pyRepr(data.metadata)} is not of type 'object'`, 'metadata');
    const m = new Map(Object.entries(data.metadata));
    for (const key of [...m.keys()]) {
      if (!urlSafe(key)) throw fail(400, 'Invalid Key. Key must be URL safe.');
      const value = m.get(key);
      if (typeof value !== 'string') throw fail(400, 'Invalid Metadata. Keys and Values must be Strings.');
      if (!pyIsLower(key)) {
        m.delete(key);
        m.set(key.toLowerCase(), value);
      }
    }
    return m as Map<string, string>;
  }

  /** NewSecretMetadatumValidator (draft 3): {"key", "value"} strings of at most 255, nothing else; the key url-safe, lower-cased. */
  function validateMetadatum(data: unknown): { key: string; value: string } {
    const S = 'SecretMetadatum';
    if (!isObject(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const v = new SchemaViolations(S);
    for (const k of ['key', 'value']) {
      if (!(k in data)) v.add(1, `'${k}' is a required property`, k);
      else if (typeof data[k] !== 'string') v.type(1, data[k], "'string'", k);
      else v.length(1, data[k] as string, k, 255);
    }
    const extra = Object.keys(data).filter((k) => k !== 'key' && k !== 'value');
    if (extra.length) v.add(0, `Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`, 'None');
    v.check();
    const key = data.key as string;
    if (!urlSafe(key)) throw fail(400, 'Invalid Key. Key must be URL safe.');
    return { key: key.toLowerCase(), value: data.value as string };
  }

  /** Container.to_dict_fields with hrefs (ContainerController.on_get); no consumers are ever registered here. */
  const containerView = (c: Container) => ({
    status: 'ACTIVE',
    updated: barbicanTime(c.updated),
    name: c.name,
    consumers: [],
    created: barbicanTime(c.created),
    container_ref: containerRef(c.id),
    creator_id: c.creatorId,
    secret_refs: c.secretRefs.map((r) => ({ name: r.name, secret_ref: secretRef(r.secretId) })),
    type: c.type,
  });

  /** A secret of the caller's project, not expired (SecretRepo.get with external_project_id): others are not found. */
  const projectSecret = (id: string, projectId: string) => {
    const s = secrets.get(id);
    return s && live(s) && s.projectId === projectId ? s : undefined;
  };

  async function containersCollection(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, query: URLSearchParams, reqId: string) {
    if (req.method === 'POST') {
      if (!barbicanAllows('containers:post', caller)) throw denied('Container creation');
      const d = validateContainer(await jsonBody(req));
      const refs = ((d.secret_refs ?? []) as Record<string, unknown>[]).map((r) => ({ name: (r.name ?? null) as string | null, secretId: secretIdFromRef(r.secret_ref as string) }));
      // Every secret must be one of the caller's project: another project's is not found, whatever its ACL says.
      for (const r of refs) if (!projectSecret(r.secretId, caller.projectId)) throw fail(404, `Secret provided for '${r.name ?? 'None'}' doesn't exist.`);
      const id = randomUUID();
      const t = now();
      containers.set(id, {
        id,
        name: (d.name ?? null) as string | null,
        type: d.type as Container['type'],
        projectId: caller.projectId,
        creatorId: caller.userId,
        created: t,
        updated: t,
        secretRefs: refs,
      });
      return sendJson(res, 201, { container_ref: containerRef(id) }, { Location: containerRef(id), 'x-openstack-request-id': reqId });
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!barbicanAllows('containers:get', caller)) throw denied('Containers(s) retrieval');
      // ContainerRepo.get_by_create_date: the project's containers by creation, name LIKE, type equal.
      const { offset, limit } = cleanPaging(query.get('offset'), query.get('limit'));
      const name = query.get('name') ? sqlLike(query.get('name')!) : undefined;
      const type = query.get('type');
      const all = [...containers.values()].filter((c) => c.projectId === caller.projectId && (!name || (c.name !== null && name.test(c.name))) && (!type || c.type === type));
      const page = all.slice(offset, offset + limit);
      if (!page.length) return sendJson(res, 200, { containers: [], total: all.length }, { 'x-openstack-request-id': reqId });
      const out: Record<string, unknown> = { containers: page.map(containerView) };
      const list = (o: number) => `${url}/v1/containers?limit=${limit}&offset=${o}`;
      if (offset > 0) out.previous = list(Math.max(0, offset - limit));
      if (all.length > offset + limit) out.next = list(offset + limit);
      out.total = all.length;
      return sendJson(res, 200, out, { 'x-openstack-request-id': reqId });
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  async function containerResource(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, c: Container, sub: string | undefined, reqId: string) {
    const may = (action: BarbicanAction) => barbicanAllows(action, caller, c);
    const method = req.method ?? 'GET';
    if (sub === 'acl') return aclResource(req, res, 'container', c, containerRef(c.id), may, reqId);
    if (sub === 'secrets') return containerSecrets(req, res, caller, c, may, reqId);
    if (method === 'GET' || method === 'HEAD') {
      if (!may('container:get')) throw denied('Container retrieval');
      return sendJson(res, 200, containerView(c), { 'x-openstack-request-id': reqId });
    }
    if (method === 'DELETE') {
      if (!may('container:delete')) throw denied('Container deletion');
      // ContainerRepo.delete_entity_by_id within the caller's project (the rule already asks for it).
      if (c.projectId !== caller.projectId) throw fail(404, 'Secrets container not found.');
      containers.delete(c.id);
      res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  /** ContainersSecretsController: add (POST) or remove (DELETE) one secret of a generic container, by name and ref. */
  async function containerSecrets(req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, c: Container, may: (action: BarbicanAction) => boolean, reqId: string) {
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      if (!may('container_secret:post')) throw denied('Container Secret creation');
      const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (ct !== 'application/json') throw fail(415, "Unexpected content type. Expected content types are: ['application/json']");
      if (c.type !== 'generic') throw fail(400, "Only 'generic' containers can be modified.");
      const d = validateContainerSecret(await jsonBody(req));
      const name = (d.name ?? null) as string | null;
      const secretId = (d.secret_ref as string).slice((d.secret_ref as string).lastIndexOf('/') + 1);
      if (!projectSecret(secretId, caller.projectId)) throw fail(404, "Secret provided doesn't exist.");
      if (c.secretRefs.some((r) => r.secretId === secretId && r.name === name)) {
        throw fail(409, 'Conflict. A secret with that name and ID is already stored in this container. The same secret can exist in a container as long as the name is unique.');
      }
      c.secretRefs.push({ name, secretId });
      return sendJson(res, 201, { container_ref: containerRef(c.id) }, { Location: containerRef(c.id), 'x-openstack-request-id': reqId });
    }
    if (method === 'DELETE') {
      if (!may('container_secret:delete')) throw denied('Container Secret deletion');
      // Any content type: the body is read as JSON all the same.
      const d = validateContainerSecret(await parseJson(req));
      const name = (d.name ?? null) as string | null;
      const secretId = (d.secret_ref as string).slice((d.secret_ref as string).lastIndexOf('/') + 1);
      if (!projectSecret(secretId, caller.projectId)) throw fail(404, `Secret '${name ?? 'None'}' with reference '${d.secret_ref as string}' doesn't exist.`);
      const kept = c.secretRefs.filter((r) => !(r.secretId === secretId && r.name === name));
      if (kept.length === c.secretRefs.length) throw fail(404, 'Secret provided is not in the container');
      c.secretRefs = kept;
      res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }

  /**
   * ContainerValidator: the schema (type generic|rsa|certificate, name, secret_refs [{name, secret_ref}]), then unique
   * names and secrets, refs to this Barbican only, and the reference names of rsa and certificate containers.
   */
  function validateContainer(data: unknown): Record<string, unknown> {
    const S = 'Container';
    if (!isObject(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const v = new SchemaViolations(S);
    const stringOrNull = (depth: number, x: unknown, property: string) => {
      if (x === null) return;
      if (typeof x !== 'string') v.type(depth, x, "'string', 'null'", property);
      else v.length(depth, x, property, 255);
    };
    if ('name' in data) stringOrNull(1, data.name, 'name');
    if ('type' in data) {
      if (typeof data.type !== 'string') v.type(1, data.type, "'string'", 'type');
      else if (!(CONTAINER_TYPES as readonly string[]).includes(data.type)) v.add(1, `${pyRepr(data.type)} is not one of [${CONTAINER_TYPES.map(pyRepr).join(', ')}]`, 'type');
    }
    if ('secret_refs' in data) {
      if (!Array.isArray(data.secret_refs)) v.type(1, data.secret_refs, "'array'", 'secret_refs');
      else
        for (const r of data.secret_refs as unknown[]) {
          if (!isObject(r)) {
            v.type(2, r, "'object'", 'secret_refs');
            continue;
          }
          if (!('secret_ref' in r)) v.add(2, "'secret_ref' is a required property", 'secret_refs');
          if ('name' in r) stringOrNull(3, r.name, 'secret_refs');
          if ('secret_ref' in r) {
            if (typeof r.secret_ref !== 'string') v.type(3, r.secret_ref, "'string'", 'secret_refs');
            else v.length(3, r.secret_ref, 'secret_refs', undefined, 1);
          }
        }
    }
    if (!('type' in data)) v.add(0, "'type' is a required property", 'None');
    v.check();

    const refs = data.secret_refs as Record<string, unknown>[] | undefined;
    if (!refs?.length) return data;
    const invalid = (reason: string) => invalidObject(S, reason, 'secret_refs');
    const names = new Set(refs.map((r) => ('name' in r ? r.name : '')));
    if (names.size !== refs.length) throw invalid('Duplicate reference names are not allowed');
    if (new Set(refs.map((r) => secretIdFromRef(r.secret_ref as string))).size !== refs.length) throw invalid('Duplicate secret ids are not allowed');
    // No spoofing: every ref must be one of this Barbican's (host_href).
    if (refs.some((r) => !(r.secret_ref as string).startsWith(url))) throw fail(400, 'Provided field value is not supported');
    const only = (allowed: string[]) => [...names].every((n) => allowed.includes(n as string));
    if (data.type === 'rsa') {
      if (!only(['public_key', 'private_key', 'private_key_passphrase'])) throw invalid("only 'private_key', 'public_key' and 'private_key_passphrase' reference names are allowed for RSA type");
      if (!names.has('public_key') || !names.has('private_key')) throw invalid("The minimum required reference names are 'public_key' and'private_key' for RSA type");
    } else if (data.type === 'certificate') {
      if (!only(['certificate', 'private_key', 'private_key_passphrase', 'intermediates'])) {
        throw invalid("only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' reference names are allowed for Certificate type");
      }
      if (!names.has('certificate')) throw invalid("The minimum required reference name is 'certificate' for Certificate type");
    }
    return data;
  }

  /** ContainerSecretValidator: {"secret_ref"} with an optional string "name". */
  function validateContainerSecret(data: unknown): Record<string, unknown> {
    const S = 'ContainerSecret';
    if (!isObject(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const v = new SchemaViolations(S);
    if ('name' in data) {
      if (typeof data.name !== 'string') v.type(1, data.name, "'string'", 'name');
      else v.length(1, data.name, 'name', 255);
    }
    if ('secret_ref' in data) {
      if (typeof data.secret_ref !== 'string') v.type(1, data.secret_ref, "'string'", 'secret_ref');
      else v.length(1, data.secret_ref, 'secret_ref', undefined, 1);
    } else v.add(0, "'secret_ref' is a required property", 'None');
    v.check();
    return data;
  }

  /**
   * ACLValidator (draft 4): only a "read" operation with "users" and "project-access" (boolean). Its "items" is
   * the tuple form, so only the first user is checked (a string of at most 255).
   */
  function validateAcl(data: unknown): Record<string, unknown> {
    const S = 'ACL';
    if (!isObject(data)) throw invalidObject(S, `${pyRepr(data)} is not of type 'object'`, 'None');
    const v = new SchemaViolations(S);
    const unexpected = (keys: string[]) => `Additional properties are not allowed (${keys.map(pyRepr).join(', ')} ${keys.length > 1 ? 'were' : 'was'} unexpected)`;
    if ('read' in data) {
      const r = data.read;
      if (!isObject(r)) v.type(1, r, "'object'", 'read');
      else {
        if ('users' in r) {
          if (!Array.isArray(r.users)) v.type(2, r.users, "'array'", 'read');
          else if (r.users.length) {
            const first: unknown = r.users[0];
            if (typeof first !== 'string') v.type(3, first, "'string'", 'read');
            else v.length(3, first, 'read', 255);
          }
        }
        if ('project-access' in r && typeof r['project-access'] !== 'boolean') v.type(2, r['project-access'], "'boolean'", 'read');
        const extra = Object.keys(r).filter((k) => k !== 'users' && k !== 'project-access');
        if (extra.length) v.add(1, unexpected(extra), 'read');
      }
    }
    const extra = Object.keys(data).filter((k) => k !== 'read');
    if (extra.length) v.add(0, unexpected(extra), 'None');
    v.check();
    return data;
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
      if (path === '/v1/containers') return await containersCollection(req, res, caller, query, reqId);
      const m = /^\/v1\/(secrets|containers)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
      if (!m) throw fail(404, 'The resource could not be found.');
      const [, collection, id, sub, rest] = m;
      // The secret or container is looked up before any policy check: unknown is 404 for everybody.
      if (collection === 'containers') {
        if (!UUID4.test(id)) throw fail(404, 'Not Found. Provided container id is invalid.');
        const c = containers.get(id);
        if (!c) throw fail(404, 'Secrets container not found.');
        if ((sub !== undefined && sub !== 'acl' && sub !== 'secrets') || rest !== undefined) throw fail(404, 'The resource could not be found.');
        return await containerResource(req, res, caller, c, sub, reqId);
      }
      if (!UUID4.test(id)) throw fail(404, 'Not Found. Provided secret id is invalid.');
      const s = secrets.get(id);
      if (!s || !live(s)) throw fail(404, 'Secret not found.');
      if (sub !== undefined && sub !== 'payload' && sub !== 'acl' && sub !== 'metadata') throw fail(404, 'The resource could not be found.');
      if (rest !== undefined && sub !== 'metadata') throw fail(404, 'The resource could not be found.');
      // SecretController._lookup: a metadata key takes GET, PUT and DELETE only, refused before any policy check.
      if (rest !== undefined && !['GET', 'PUT', 'DELETE'].includes(method)) throw fail(405, 'The method is not allowed for the requested URL.');
      return await secretResource(req, res, caller, s, sub, rest === undefined ? undefined : pathSegment(rest), reqId);
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
    containerCount: () => containers.size,
    ownerOf: (ref) => {
      const id = ref.split('/').pop() ?? '';
      return (ref.includes('/v1/containers/') ? containers.get(id) : secrets.get(id))?.projectId;
    },
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
