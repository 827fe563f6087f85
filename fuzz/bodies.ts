import type { Rng } from '../test/support/prng.js';
import { exampleOf, schemaKeys, writtenExample, type BodyFixtures } from './examples.js';
import { mutateBody } from './mutate.js';
import { isAcmeServer, operations, resolve, type Operation } from './routes.js';
import type { FuzzRequest } from './send.js';

/**
 * The body category: every route of the API document but the ACME server's (fuzzed by JWS), with
 * a mutated JSON body where it takes one, and mutated path parameters, query strings, content
 * types and tokens everywhere.
 */
export interface PathFixtures extends BodyFixtures {
  projectId: string;
  otherProjectId: string;
  /** Ids that exist in the fuzzed project, by the collection they are in ("cas", "certificates"...). */
  ids: Record<string, string>;
  /** A CA of another project: its id must be as unknown as a made-up one. */
  otherCaId: string;
  /** The user whose certificates the body fuzz may revoke. */
  revokableUserId: string;
}

// Nothing a URL parser normalises away ('..', '%2e%2e'): the request must reach the route it names.
const GARBAGE_IDS = ['x', '%00', 'null', 'undefined', '0', '-1', 'A'.repeat(300), '%F0%9F%92%A9', '%C3%A9', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF', '%20', '%25', '%3B', '%0A', '__proto__', 'constructor', '%2F', '*', '3f2a7c4e-9b1d-4e8a-a6f0-1c2d3e4f5a6b%20', "'or'1'='1"];
const GARBAGE_QUERY = ['', '-1', '0', '1.5', 'abc', '1e9', '99999999999999999999', 'x'.repeat(1000), '%00', '[]', 'null', '%FF', '3f2a7c4e-9b1d-4e8a-a6f0-1c2d3e4f5a6b', 'pem', 'current', 'cross'];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jose+json', 'application/JSON', 'application/json-patch+json', '', 'application/xml'];
/** Tokens by name (see run.ts): none, a bad one, another project's member, a reader. */
const OTHER_TOKENS = ['none', 'bad', 'other', 'reader'];

const uuid = (rand: Rng) => {
  const h = Array.from({ length: 32 }, () => rand.int(16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

/** The valid value of a path parameter: an id of the fuzzed project where the route names one. */
function validParam(op: Operation, name: string, fx: PathFixtures, rand: Rng): string {
  if (name === 'project') return fx.projectId;
  if (name === 'name') return 'fuzz-profile';
  if (name === 'user') return fx.revokableUserId;
  if (name === 'request') return Buffer.from(Array.from({ length: rand.int(80) }, () => rand.int(256))).toString('base64url');
  if (name === 'id') {
    const collection = /^\/v1\/(?:public\/\{project\}\/)?(acme\/)?([a-z-]+)\//.exec(op.template);
    return fx.ids[collection?.[2] ?? ''] ?? uuid(rand);
  }
  return uuid(rand);
}

function pathOf(op: Operation, fx: PathFixtures, rand: Rng, whats: string[]): string {
  const mutate = rand.chance(0.3) && op.pathParams.length ? rand.pick(op.pathParams) : undefined;
  return op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name !== mutate) return encodeURIComponent(validParam(op, name, fx, rand));
    const how = rand.int(3);
    whats.push(['unknown id', 'other project id', 'garbage id'][how]);
    return how === 0 ? uuid(rand) : how === 1 ? (name === 'project' ? fx.otherProjectId : fx.otherCaId) : rand.pick(GARBAGE_IDS);
  });
}

function queryOf(op: Operation, rand: Rng, whats: string[]): string {
  if (!op.queryParams.length || !rand.chance(0.5)) return '';
  whats.push('query');
  const names = [...op.queryParams.map((q) => q.name), 'unknown', 'limit'];
  const parts = Array.from({ length: 1 + rand.int(3) }, () => `${encodeURIComponent(rand.pick(names))}=${rand.pick(GARBAGE_QUERY)}`);
  return `?${parts.join('&')}`;
}

function tokenFor(op: Operation, rand: Rng, whats: string[]): string {
  const own = op.public ? 'none' : /^\/v1\/(login-cas|system)/.test(op.template) ? 'system' : 'admin';
  if (!rand.chance(0.1)) return own;
  whats.push('token');
  return rand.pick(OTHER_TOKENS);
}

function bodyOf(op: Operation, fx: PathFixtures, rand: Rng, whats: string[]): { body?: string | Uint8Array<ArrayBuffer>; contentType?: string } {
  if (op.body) {
    const schema = resolve(op.body);
    const valid = writtenExample(op.route, fx) ?? exampleOf(schema, resolve);
    if (rand.chance(0.08)) {
      whats.push('valid body');
      return { body: JSON.stringify(valid), contentType: 'application/json' };
    }
    const m = mutateBody(rand, valid, schemaKeys(schema, resolve));
    whats.push(m.what);
    return { body: m.text, contentType: 'application/json' };
  }
  if (op.rawMedia) {
    // A DER-looking start, then noise: the OCSP request parser's refusals.
    whats.push('raw bytes');
    return { body: new Uint8Array([0x30, rand.int(256), ...Array.from({ length: rand.int(300) }, () => rand.int(256))]), contentType: op.rawMedia };
  }
  if (op.method === 'GET' || op.method === 'HEAD' || !rand.chance(0.3)) return {};
  whats.push('unexpected body');
  return { body: rand.pick(['{}', '{"a":1}', 'x', '[]']), contentType: 'application/json' };
}

export class BodyCases {
  private readonly ops: Operation[];

  constructor(private readonly fx: PathFixtures) {
    // Routes with a JSON body weigh three times as much: they have the most to get wrong.
    this.ops = operations()
      .filter((o) => !isAcmeServer(o.template))
      .flatMap((o) => (o.body ? [o, o, o] : [o]));
  }

  routes(): string[] {
    return [...new Set(this.ops.map((o) => o.route))];
  }

  make(rand: Rng): FuzzRequest {
    const op = rand.pick(this.ops);
    const whats: string[] = [];
    const path = pathOf(op, this.fx, rand, whats) + queryOf(op, rand, whats);
    const token = tokenFor(op, rand, whats);
    const { body, contentType } = bodyOf(op, this.fx, rand, whats);
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    if (body !== undefined && rand.chance(0.08)) {
      const ct = rand.pick(CONTENT_TYPES);
      if (ct) headers['Content-Type'] = ct;
      else delete headers['Content-Type'];
      whats.push('content type');
    }
    return { category: 'body', label: `${op.route}: ${whats[0] ?? 'as is'}`, kind: op.kind, method: op.method, path, headers, body, token };
  }
}
