import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, badRequest } from '../errors/index.js';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Parses and validates a JSON body: 415 for another content type, 413 when too big, 400 otherwise.
 * No body at all (and no content type) is read as `{}`: a POST whose fields all have defaults needs none.
 */
export function readJsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, contentType: string | undefined, schema: S): z.infer<S> {
  const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (raw.length === 0 && contentType === undefined) return validateBody(schema, {});
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as JSON with "Content-Type: application/json".');
  }
  if (raw.length > MAX_BODY_BYTES) {
    throw new AppError('BODY_TOO_LARGE', 413, `The body is ${raw.length} bytes; the limit is ${MAX_BODY_BYTES}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('BODY_MALFORMED_JSON', 'The body is not valid JSON.');
  }
  refuseProtoKeys(value);
  return validateBody(schema, value);
}

/**
 * JSON.parse keeps a `"__proto__"` key as an own property, but copying the object (zod records,
 * spreads) either drops it or makes it the prototype: refused outright, naming where it is.
 * Iterative, as a 64 KiB body can nest deeper than the stack.
 */
function refuseProtoKeys(value: unknown): void {
  interface At {
    v: unknown;
    key?: string;
    up?: At;
  }
  const pathOf = (at: At): string[] => {
    const path: string[] = [];
    for (let a: At | undefined = at; a?.key !== undefined; a = a.up) path.unshift(a.key);
    return path;
  };
  const todo: At[] = [{ v: value }];
  for (let at = todo.pop(); at; at = todo.pop()) {
    const v = at.v;
    if (typeof v !== 'object' || v === null) continue;
    if (Object.hasOwn(v, '__proto__')) {
      const field = [...pathOf(at), '__proto__'].join('.');
      throw badRequest('BODY_INVALID', `Field "${field}": "__proto__" is not a field name.`, { field });
    }
    for (const [key, child] of Object.entries(v)) if (typeof child === 'object' && child !== null) todo.push({ v: child, key, up: at });
  }
}

/** 400 BODY_INVALID naming the first field that fails `schema`. */
export function validateBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(body)';
    throw badRequest('BODY_INVALID', `Field "${field}": ${issue.message}.`, { field });
  }
  return parsed.data;
}
