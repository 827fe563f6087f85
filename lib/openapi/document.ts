import * as z from 'zod';
import { paramKindInfo, type ParamKind } from '../http/params.js';
import type { RouteDescription } from '../http/route.js';
import { ACME_DETAIL_CODES, ACME_ROUTES, RFC8555 } from './acme.js';
import { ANSWERS } from './answers.js';
import { ROUTES, type Answer, type RouteDoc } from './routes.js';

/** A route of serverless.yml, with what its handler declares (`handler.route`; none for the ACME front end). */
export interface ServedRoute {
  method: string;
  path: string;
  /** The serverless.yml function that serves it. */
  function: string;
  route?: RouteDescription;
}

type Json = Record<string, unknown>;
const SCHEMAS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${SCHEMAS}${id}` });
const idOf = (schema: z.ZodType): string => {
  const id = ANSWERS.get(schema)?.id;
  if (!id) throw new Error('an answer schema of the route table is not registered in ANSWERS (lib/openapi/answers.ts)');
  return id;
};
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** zod's JSON Schema without what only clutters the document: `$schema`/`$id`, safe-integer bounds, the date-time regex (format says it). */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === '$schema' || k === '$id') continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    if (k === 'pattern' && (node as Json).format === 'date-time') continue;
    out[k] = tidy(v);
  }
  return out;
}

/** The path as OpenAPI writes it: API Gateway's greedy `{name+}` is `{name}`. */
export const openApiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, '{$1}');
const pathParams = (path: string) => [...path.matchAll(/\{(\w+)(\+?)\}/g)].map((m) => ({ name: m[1], greedy: m[2] === '+' }));

function errorResponse(status: number, codes: string[], problem: boolean): Json {
  const list = [...new Set(codes)].sort();
  const description = list.length ? list.map((c) => `\`${c}\``).join(', ') : problem ? 'An ACME problem (`urn:ietf:params:acme:error:*`).' : 'An error.';
  if (problem) return { description, content: { 'application/problem+json': { schema: ref('AcmeProblem') } } };
  const schema = list.length
    ? { allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: list }, status: { const: status } } } } }] }
    : ref('Error');
  return {
    description,
    headers: { 'x-openstack-request-id': { $ref: '#/components/headers/RequestId' }, ...(status === 503 ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } : {}) },
    content: { 'application/json': { schema } },
  };
}

function answerResponse(a: Answer): Json {
  const headers: Json = { 'x-openstack-request-id': { $ref: '#/components/headers/RequestId' } };
  for (const [name, description] of Object.entries(a.headers ?? {})) headers[name] = { description, schema: { type: 'string' } };
  const content: Json = {};
  if (a.schema) content['application/json'] = { schema: ref(idOf(a.schema)) };
  for (const [media, kind] of Object.entries(a.media ?? {})) content[media] = { schema: kind === 'binary' ? { type: 'string', contentMediaType: media } : { type: media === 'application/json' ? 'object' : 'string' } };
  return { description: a.description, headers, ...(Object.keys(content).length ? { content } : {}) };
}

/** Errors every route of a kind answers alike: once, in components/responses. */
const SHARED_ERRORS: Record<number, { name: string; codes: string[] }> = {
  401: { name: 'Unauthorized', codes: ['TOKEN_INVALID', 'TOKEN_MISSING'] },
  413: { name: 'BodyTooLarge', codes: ['BODY_TOO_LARGE'] },
  415: { name: 'UnsupportedMediaType', codes: ['UNSUPPORTED_MEDIA_TYPE'] },
  500: { name: 'InternalError', codes: ['INTERNAL_ERROR', 'STORE_RECORD_MISBOUND'] },
};

const add = (errors: Map<number, string[]>, status: number, ...codes: string[]) => errors.set(status, [...(errors.get(status) ?? []), ...codes]);

/** The errors a route answers: those that follow from what it declares, and the table's. */
export function routeErrors(doc: RouteDoc, route: RouteDescription | undefined): Map<number, string[]> {
  const errors = new Map<number, string[]>();
  if (route?.kind === 'project') {
    add(errors, 401, 'TOKEN_MISSING', 'TOKEN_INVALID');
    add(errors, 403, ...(doc.anyScope ? [] : ['PROJECT_SCOPE_REQUIRED']), ...(doc.rules ?? []).map((r) => `POLICY_DENIED:${r}`));
    add(errors, 503, 'IDENTITY_UNAVAILABLE');
    for (const kind of Object.values(route.params ?? {})) {
      const info = paramKindInfo(kind);
      if (info.notFoundCode) add(errors, 404, info.notFoundCode);
      if (info.invalidCode) add(errors, 400, info.invalidCode);
    }
    if (Object.keys(route.query ?? {}).length) add(errors, 400, 'QUERY_INVALID');
  }
  if (route?.body) {
    add(errors, 400, 'BODY_INVALID', 'BODY_MALFORMED_JSON');
    add(errors, 413, 'BODY_TOO_LARGE');
    add(errors, 415, 'UNSUPPORTED_MEDIA_TYPE');
  }
  if (doc.paged) add(errors, 400, 'QUERY_INVALID');
  if (doc.queues) add(errors, 503, 'QUEUE_UNAVAILABLE');
  for (const [status, codes] of Object.entries(doc.errors ?? {})) add(errors, Number(status), ...codes);
  // STORE_RECORD_MISBOUND: a record read back names another project or id (lib/store/binding.ts); refused.
  add(errors, 500, 'INTERNAL_ERROR', 'STORE_RECORD_MISBOUND');
  return new Map([...errors].sort(([a], [b]) => a - b));
}

/** Path parameters of routes that declare no kinds (the ACME front end). */
const PATH_PARAM_NOUNS: Record<string, string> = { project: 'a Keystone project id', id: 'a CA id', type: 'the challenge type', variant: 'the alternate chain' };

const kindSchema = (kind: ParamKind) => ({ type: 'string', pattern: paramKindInfo(kind).pattern });

function parameters(served: ServedRoute, doc: RouteDoc | undefined): Json[] {
  const out: Json[] = pathParams(served.path).map(({ name, greedy }) => {
    const kind = served.route?.params?.[name];
    return {
      name,
      in: 'path',
      required: true,
      description: kind ? paramKindInfo(kind).noun : greedy ? 'the rest of the path (may contain `/`)' : (PATH_PARAM_NOUNS[name] ?? `the ${name} id`),
      schema: kind ? kindSchema(kind) : { type: 'string' },
    };
  });
  for (const [name, kind] of Object.entries(served.route?.query ?? {})) out.push({ name, in: 'query', required: false, description: `only those of ${paramKindInfo(kind).noun}`, schema: kindSchema(kind) });
  for (const [name, q] of Object.entries(doc?.query ?? {})) {
    out.push({ name, in: 'query', required: false, description: q.description, schema: { type: 'string', ...(q.enum ? { enum: q.enum } : {}), ...(q.pattern ? { pattern: q.pattern } : {}) } });
  }
  if (doc?.paged) {
    out.push({ name: 'limit', in: 'query', required: false, description: 'page size (default 50; more than 200 is 200)', schema: { type: 'integer', minimum: 1 } });
    const marker = typeof doc.paged === 'object' ? doc.paged.marker : paramKindInfo('object').pattern;
    out.push({ name: 'marker', in: 'query', required: false, description: 'the last id of the previous page (from the `next` link)', schema: { type: 'string', pattern: marker } });
  }
  return out;
}

function requestBody(served: ServedRoute, doc: RouteDoc, schemas: Json): Json | undefined {
  if (doc.rawBody) return { required: true, description: doc.rawBody.description, content: { [doc.rawBody.media]: { schema: { type: 'string', contentMediaType: doc.rawBody.media } } } };
  const body = served.route?.body;
  if (!body) return undefined;
  const name = `${doc.id[0].toUpperCase()}${doc.id.slice(1)}Request`;
  const schema = tidy(z.toJSONSchema(body, { io: 'input', target: 'draft-2020-12' })) as Json;
  schemas[name] = schema;
  // A body whose fields all have defaults may be left out (lib/http/body.ts reads none as {}).
  const required = Array.isArray(schema.required) && schema.required.length > 0;
  return { required, content: { 'application/json': { schema: ref(name) } } };
}

function apiOperation(served: ServedRoute, doc: RouteDoc, schemas: Json): Json {
  const responses: Json = {};
  for (const [status, answer] of Object.entries(doc.answers)) responses[status] = answerResponse(answer);
  for (const [status, codes] of routeErrors(doc, served.route)) {
    const shared = SHARED_ERRORS[status];
    responses[String(status)] = shared && shared.codes.join() === [...new Set(codes)].sort().join() ? { $ref: `#/components/responses/${shared.name}` } : errorResponse(status, codes, false);
  }
  const body = requestBody(served, doc, schemas);
  const rules = doc.rules ?? [];
  return {
    operationId: doc.id,
    summary: doc.summary,
    ...(doc.description || rules.length ? { description: [doc.description, rules.length ? `Policy: \`${rules[0]}\`${rules.length > 1 ? `; also ${rules.slice(1).map((r) => `\`${r}\``).join(', ')} for parts of the request` : ''}${doc.anyScope ? '; a token of any scope (system or project)' : ''}.` : ''].filter(Boolean).join('\n\n') } : {}),
    tags: [doc.tag],
    ...(served.route?.kind === 'project' ? { 'x-policy-rules': rules } : { security: [] }),
    ...(doc.reasonCodes ? { 'x-reason-codes': doc.reasonCodes } : {}),
    parameters: parameters(served, doc),
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

function acmeOperation(served: ServedRoute, key: string): Json {
  const doc = ACME_ROUTES[key];
  const responses: Json = {};
  for (const [status, a] of Object.entries(doc.answers)) {
    responses[status] = { description: a.description, headers: { 'Replay-Nonce': { $ref: '#/components/headers/ReplayNonce' } }, ...(a.media ? { content: { [a.media]: { schema: a.media === 'application/json' ? { type: 'object' } : { type: 'string' } } } } : {}) };
  }
  for (const status of [400, 404]) responses[String(status)] = errorResponse(status, [], true);
  responses.default = { ...errorResponse(0, [], true), description: 'Any other ACME problem (RFC 8555 section 6.7).' };
  return {
    operationId: doc.id,
    summary: doc.summary,
    description: `RFC 8555 section ${doc.section}; no token: the JWS is the authentication.`,
    tags: ['acme-server'],
    security: [],
    externalDocs: { description: `${RFC8555.description}, section ${doc.section}`, url: `${RFC8555.url}#section-${doc.section}` },
    'x-reason-codes': ACME_DETAIL_CODES,
    parameters: parameters(served, undefined),
    ...(served.method === 'POST' ? { requestBody: { required: true, content: { 'application/jose+json': { schema: ref('AcmeJws') } } } } : {}),
    responses,
  };
}

const TAGS = [
  ['discovery', 'Versions and this document'],
  ['cas', 'Certificate authorities: roots, intermediates, external intermediates, rotation'],
  ['profiles', 'Issuance profiles of a CA'],
  ['certificates', 'Certificates: request, read, revoke'],
  ['revocation', 'CRLs and OCSP, for relying parties (no token)'],
  ['containers', 'Your own Barbican certificate containers'],
  ['jobs', 'The work the worker does for a request'],
  ['events', 'Audit trail and webhook'],
  ['policy', 'The policy rules in force'],
  ['acme', 'ACME accounts, orders and EAB keys, as project objects'],
  ['acme-server', 'The ACME server of every CA (RFC 8555)'],
  ['login-cas', 'The cloud operator’s login CAs, whose Keystone user certificates log users in (any token scope; policy decides who)'],
  ['enrollment', 'Keystone user certificates: one-time passwords, redeeming them with a CSR (no token), new machines approved and renewals signed with a user certificate’s key, revocation'],
];

/**
 * The OpenAPI 3.1 document of every route served: the table (routes.ts, acme.ts) for what only
 * it knows, the handlers for their bodies and parameters, zod for every schema.
 */
export function buildDocument(served: ServedRoute[], version: string): Json {
  const routeKey = (r: ServedRoute) => `${r.method} ${r.path}`;
  const keys = new Set(served.map(routeKey));
  const missing = served.filter((r) => !ROUTES[routeKey(r)] && !ACME_ROUTES[routeKey(r)]).map(routeKey);
  const extra = [...Object.keys(ROUTES), ...Object.keys(ACME_ROUTES)].filter((k) => !keys.has(k));
  if (missing.length || extra.length) throw new Error(`the route table (lib/openapi) and serverless.yml differ: not in the table ${JSON.stringify(missing)}, not in serverless.yml ${JSON.stringify(extra)}`);

  const answers = z.toJSONSchema(ANSWERS, { uri: (id) => `${SCHEMAS}${id}`, target: 'draft-2020-12' });
  const schemas: Json = tidy(answers.schemas) as Json;
  schemas.AcmeJws = {
    type: 'object',
    description: 'A flattened JWS (RFC 7515) as RFC 8555 section 6.2 has it: base64url `protected` header (alg, nonce, url, jwk or kid), `payload`, `signature`.',
    properties: { protected: { type: 'string' }, payload: { type: 'string' }, signature: { type: 'string' } },
    required: ['protected', 'payload', 'signature'],
  };
  const paths: Record<string, Json> = {};
  for (const r of [...served].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    const key = routeKey(r);
    const item = (paths[openApiPath(r.path)] ??= {});
    const operation = ROUTES[key] ? apiOperation(r, ROUTES[key], schemas) : acmeOperation(r, key);
    // API Gateway's any-method route has no OpenAPI method; its own extension names it.
    item[r.method === '*' ? 'x-amazon-apigateway-any-method' : r.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'OpenStack CA',
      version,
      summary: 'Private certificate authorities as a service for the projects of an OpenStack cloud.',
      description: 'Authenticated with a project-scoped Keystone token (`X-Auth-Token`) but for the public routes. Every error but the ACME server’s is `{"error": {"code", "status", "message", "details"?, "request_id"}}`: branch on `code`.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'The local stack (npm start); GET /v1/openapi.json names the server it answers from.' }],
    security: [{ keystoneToken: [] }],
    tags: TAGS.map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: { keystoneToken: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'A project-scoped Keystone token.' } },
      headers: {
        RequestId: { description: 'The request id (also in error bodies): what the operators find the request by.', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
        ReplayNonce: { description: 'A fresh ACME nonce (RFC 8555 section 6.5).', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(Object.entries(SHARED_ERRORS).map(([status, e]) => [e.name, errorResponse(Number(status), e.codes, false)])),
      schemas,
    },
  };
}
