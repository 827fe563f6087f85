// DEVELOPMENT ONLY — the development Barbican's checks of request bodies, as Barbican 15's validators make them
// (barbican.common.validators and jsonschema's messages). test/unit/dev checks them against the real ones.
import { fail, invalidObject } from './barbicanErrors.js';

export const MAX_SECRET_BYTES = 20_000;
const MYSQL_SMALL_INT_MAX = 32_767;
const SECRET_TYPES = ['symmetric', 'passphrase', 'private', 'public', 'certificate', 'opaque'];
export const PLAIN_TEXT = ['text/plain', 'text/plain;charset=utf-8', 'text/plain; charset=utf-8'];
export const BINARY = ['application/octet-stream', 'application/pkcs8'];
const SUPPORTED = [...PLAIN_TEXT, ...BINARY];
const CONTAINER_TYPES = ['generic', 'rsa', 'certificate'] as const;

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
export const isSupported = (mime: string) => SUPPORTED.includes(normalizeContentType(mime));
const encodingsFor = (normalized: string) => (normalized === 'text/plain' ? null : ['base64', 'binary']);

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

/** ContainerValidator._get_secret_id_from_ref (also models.Container's): the last path segment, or the one before a final slash. */
export function secretIdFromRef(ref: string): string {
  if (ref.endsWith('/')) {
    const trimmed = ref.slice(0, -1);
    const i = trimmed.lastIndexOf('/');
    return i < 0 ? '' : trimmed.slice(i + 1);
  }
  return ref.slice(ref.lastIndexOf('/') + 1);
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

/** POST /v1/secrets body, as NewSecretValidator checks it. */
/** `now`: the clock an expiration must be after. */
export function validateNewSecret(data: unknown, now: () => number) {
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

/** NewSecretMetadataValidator: {"metadata": {url-safe key: string}}; keys lower-cased as it does (in place, in order). */
export function validateMetadata(data: unknown): Map<string, string> {
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
export function validateMetadatum(data: unknown): { key: string; value: string } {
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

/**
 * ContainerValidator: the schema (type generic|rsa|certificate, name, secret_refs [{name, secret_ref}]), then unique
 * names and secrets, refs to this Barbican only, and the reference names of rsa and certificate containers.
 */
export function validateContainer(data: unknown, hostHref: string): Record<string, unknown> {
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
  if (refs.some((r) => !(r.secret_ref as string).startsWith(hostHref))) throw fail(400, 'Provided field value is not supported');
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
export function validateContainerSecret(data: unknown): Record<string, unknown> {
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
export function validateAcl(data: unknown): Record<string, unknown> {
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
