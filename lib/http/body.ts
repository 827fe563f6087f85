import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, badRequest } from '../errors/index.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Parses and validates a JSON body: 415 for another content type, 413 when too big, 400 otherwise. */
export function readJsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, contentType: string | undefined, schema: S): z.infer<S> {
  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as JSON with "Content-Type: application/json".');
  }
  const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (raw.length > MAX_BODY_BYTES) {
    throw new AppError('BODY_TOO_LARGE', 413, `The body is ${raw.length} bytes; the limit is ${MAX_BODY_BYTES}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('BODY_MALFORMED_JSON', 'The body is not valid JSON.');
  }
  return validateBody(schema, value);
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
