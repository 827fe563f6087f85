import DOCUMENT from '../lib/openapi/openapi.json' with { type: 'json' };
import type { RouteKind } from './answers.js';

/**
 * The routes to fuzz, read from the API document (lib/openapi/openapi.json, what GET
 * /v1/openapi.json serves): a route added to serverless.yml is in the document, so it is fuzzed
 * without a change here.
 */
type Schema = Record<string, unknown>;
const doc = DOCUMENT as unknown as { paths: Record<string, Record<string, Schema>> };

export interface Operation {
  /** "POST /v1/cas/{id}/certificates" */
  route: string;
  method: string;
  template: string;
  kind: RouteKind;
  /** The JSON body schema, if the route takes one. */
  body?: Schema;
  /** The media type of a non-JSON body (the OCSP request). */
  rawMedia?: string;
  pathParams: string[];
  queryParams: { name: string; schema: Schema }[];
  /** No token needed (the document's `security: []`). */
  public: boolean;
}

/** Follows a local $ref of the document. */
export function resolve(node: Schema): Schema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const target = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  return resolve(target as Schema);
}

/** The ACME server's resources (/v1/public/.../acme/...): their bodies are JWSs, fuzzed as such. */
export const isAcmeServer = (template: string) => /^\/v1\/public\/\{project\}\/cas\/\{id\}\/acme\//.test(template);

function kindOf(template: string): RouteKind {
  if (isAcmeServer(template)) return 'acme';
  if (template.includes('/ocsp')) return 'ocsp';
  if (template.endsWith('/crl')) return 'crl';
  return 'json';
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

export function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [m, raw] of Object.entries(item)) {
      if (!METHODS.includes(m)) continue;
      const op = raw as { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Schema[]; security?: unknown[] };
      const params = (op.parameters ?? []).map(resolve) as { name: string; in: string; schema: Schema }[];
      const content = op.requestBody?.content ?? {};
      out.push({
        route: `${m.toUpperCase()} ${template}`,
        method: m.toUpperCase(),
        template,
        kind: kindOf(template),
        body: content['application/json']?.schema,
        rawMedia: content['application/json'] ? undefined : Object.keys(content)[0],
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        public: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return out;
}
