import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import DOCUMENT from '../../lib/openapi/openapi.json' with { type: 'json' };

/**
 * The contract test: every answer the integration suites get (test/support/api.ts) is checked
 * against the API document GET /v1/openapi.json serves (lib/openapi/openapi.json). An answer with a
 * status the document does not list for its route, or a body its schema refuses, throws.
 */
type Json = Record<string, any>;
const doc = DOCUMENT as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch', 'options'];

const ajv = new Ajv2020({ strict: false, allErrors: false });
addFormats(ajv);
ajv.addSchema(doc, 'openapi.json');

interface Template {
  path: string;
  regex: RegExp;
  /** Literal characters: the most specific template wins (`/acme/directory` over `/acme/{proxy}`). */
  literal: number;
}

// The document writes API Gateway's greedy `{request+}` as `{request}`: the last parameter of these may hold slashes.
const GREEDY = new Set(['/v1/public/{project}/cas/{id}/ocsp/{request}', '/v1/public/{project}/cas/{id}/acme/{proxy}']);
const templates: Template[] = Object.keys(doc.paths).map((path) => {
  const parts = path.split(/(\{\w+\})/);
  const source = parts.map((p, i) => (/^\{\w+\}$/.test(p) ? (GREEDY.has(path) && i === parts.length - 2 ? '.+' : '[^/]+') : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return { path, regex: new RegExp(`^${source}$`), literal: parts.filter((p) => !p.startsWith('{')).join('').length };
});

/** The document's path template for a request path (query left out), if any. */
export function templateOf(method: string, requestPath: string): string | undefined {
  const path = requestPath.split('?')[0];
  const m = method.toLowerCase();
  const candidates = templates.filter((t) => t.regex.test(path) && (doc.paths[t.path][m] || doc.paths[t.path]['x-amazon-apigateway-any-method']));
  return candidates.sort((a, b) => b.literal - a.literal)[0]?.path;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const resolve = (node: Json): Json => (node?.$ref ? resolve(node.$ref.slice(2).split('/').reduce((o: Json, k: string) => o[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc)) : node);

const exercised = new Set<string>();
function record(key: string) {
  if (exercised.has(key)) return;
  exercised.add(key);
  const dir = join(import.meta.dirname, '..', '..', '.local', 'api-contract');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `exercised-${process.pid}.txt`), `${key}\n`);
}
/** The (method, path template) pairs this process saw answered. */
export const exercisedRoutes = () => [...exercised];

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** Throws when the answer is not what the document says `method path` answers. */
export function checkAnswer(method: string, requestPath: string, status: number, contentType: string | null, body: unknown): void {
  const template = templateOf(method, requestPath);
  const where = `${method} ${requestPath} → ${status}`;
  if (!template) throw new ContractViolation(`${where}: no route of the API document matches`);
  const item = doc.paths[template];
  const opKey = item[method.toLowerCase()] ? method.toLowerCase() : 'x-amazon-apigateway-any-method';
  if (!METHODS.includes(opKey) && opKey !== 'x-amazon-apigateway-any-method') throw new ContractViolation(`${where}: method not documented`);
  record(`${method.toUpperCase()} ${template}`);
  const responses = item[opKey].responses as Json;
  const statusKey = responses[String(status)] ? String(status) : responses.default ? 'default' : undefined;
  if (!statusKey) throw new ContractViolation(`${where}: the document lists ${Object.keys(responses).join(', ')} for ${method} ${template}`);
  // A HEAD answer has no body to check (its GET twin's content type stays in the headers).
  if (method.toUpperCase() === 'HEAD') return;
  const response = resolve(responses[statusKey]);
  const media = contentType?.split(';')[0].trim().toLowerCase();
  const content = (response.content ?? {}) as Json;
  if (!Object.keys(content).length) {
    if (body !== undefined && body !== '') throw new ContractViolation(`${where}: the document says no body, the answer has one (${media})`);
    return;
  }
  if (!media || !content[media]) throw new ContractViolation(`${where}: answered ${media}, the document lists ${Object.keys(content).join(', ')}`);
  if (media !== 'application/json' && media !== 'application/problem+json') return;
  const ref = `openapi.json#${pointer('', 'paths', template, opKey, 'responses', statusKey)}`;
  // A response that is a $ref (components/responses) is validated where it points.
  const schemaRef = responses[statusKey].$ref ? `openapi.json${responses[statusKey].$ref}/content/${pointer(media)}/schema` : `${ref}/content/${pointer(media)}/schema`;
  const validate = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef });
  if (!validate(body)) {
    throw new ContractViolation(`${where}: the body does not match the document (${ajv.errorsText(validate.errors, { dataVar: 'body' })}): ${String(JSON.stringify(body)).slice(0, 500)}`);
  }
}
