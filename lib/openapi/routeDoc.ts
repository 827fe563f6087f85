import type { z } from 'zod';

/** The shape of a route's entry in the API document's route table (routes.ts). */

/** An answer: a zod schema (JSON), other media types, or nothing (204). */
export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** Non-JSON bodies: media type → `binary` or `text`. */
  media?: Record<string, 'binary' | 'text'>;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  id: string;
  summary: string;
  description?: string;
  tag: string;
  /** The policy rules it enforces (the first is the route's own; others guard parts of the request). */
  rules?: string[];
  answers: Record<number, Answer>;
  /** Error codes by status beyond those the generator derives. */
  errors?: Record<number, string[]>;
  /** limit/marker paging (answers QUERY_INVALID for a bad limit or marker). */
  paged?: boolean | { marker: string };
  /** Query parameters the handler reads itself (not declared as id kinds in handler.route). */
  query?: Record<string, { description: string; enum?: string[]; pattern?: string }>;
  /** Queues a worker job: 503 QUEUE_UNAVAILABLE when the queue cannot take it. */
  queues?: boolean;
  /** Codes that appear in the `reason` of the jobs it starts, or that it answers in another form (an OCSP `malformedRequest`): `x-reason-codes`. */
  reasonCodes?: string[];
  /** The request body's media type when it is not JSON (OCSP). */
  rawBody?: { media: string; description: string };
  /** An authenticated route that takes a token of any scope (systemRoute: the cloud operator's objects): no PROJECT_SCOPE_REQUIRED. */
  anyScope?: boolean;
}

export const json = (schema: z.ZodType, description: string, headers?: Record<string, string>): Answer => ({ description, schema, ...(headers ? { headers } : {}) });
