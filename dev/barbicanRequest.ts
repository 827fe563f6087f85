// DEVELOPMENT ONLY — how the development Barbican reads requests: JSON bodies, paging, LIKE filters, path segments.
import type { IncomingMessage } from 'node:http';
import { fail } from './barbicanErrors.js';
import { header, readBody } from './http.js';

const MAX_REQUEST_BYTES = 25_000;
/** CONF.default_limit_paging, CONF.max_limit_paging */
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

/** enforce_content_types(['application/json']), then api.load_body. */
export async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (ct !== 'application/json') throw fail(415, "Unexpected content type. Expected content types are: ['application/json']");
  return parseJson(req);
}

/** api.load_body: JSON with every string value trimmed. */
export async function parseJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, 1 << 20);
  // Barbican reads at most max_allowed_request_size_in_bytes: a longer body is cut, hence malformed.
  try {
    if (raw.length > MAX_REQUEST_BYTES) throw new Error('truncated');
    return stripWhitespace(JSON.parse(raw.toString('utf8')));
  } catch {
    throw fail(400, 'Malformed JSON');
  }
}

/** barbican.api.strip_whitespace: every string value in the body is trimmed. */
function stripWhitespace(v: unknown): unknown {
  if (typeof v === 'string') return v.trim();
  if (Array.isArray(v)) return v.map(stripWhitespace);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripWhitespace(x)]));
  return v;
}

/** Python's int() of a query value (whitespace, sign, digit underscores), or undefined where it raises. */
const pyInt = (v: string) => (/^\s*[+-]?\d+(_\d+)*\s*$/.test(v) ? parseInt(v.replace(/_/g, ''), 10) : undefined);

/** repositories.clean_paging_values */
export function cleanPaging(offsetArg: string | null, limitArg: string | null): { offset: number; limit: number } {
  const o = offsetArg ? pyInt(offsetArg) : 0;
  const offset = o === undefined || o < 0 || o > Number.MAX_SAFE_INTEGER ? 0 : o;
  const l = limitArg ? pyInt(limitArg) : DEFAULT_LIMIT;
  const limit = l === undefined ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.max(1, l));
  return { offset, limit };
}

/** A path segment as the WSGI server unquotes it. */
export function pathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Python's urllib.parse.unquote_plus: `+` is a space, %XX a byte; a malformed escape stays as it is. */
export function unquotePlus(v: string): string {
  return v.replace(/\+/g, ' ').replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** A SQL LIKE pattern (% and _) as a regular expression. */
export const sqlLike = (pattern: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's');
