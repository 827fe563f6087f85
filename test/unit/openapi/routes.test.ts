import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACME_ROUTES, currentDocument, DOCUMENT_FILE, documentText, openApiPath, ROOT, ROUTES, servedRoutes, serverlessRoutes, type ServedRoute } from '../../../lib/openapi/index.js';

let doc: any;
let served: ServedRoute[];
beforeAll(async () => {
  served = await servedRoutes();
  doc = await currentDocument();
});

const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch', 'options', 'x-amazon-apigateway-any-method'];
const opKey = (method: string) => (method === '*' ? 'x-amazon-apigateway-any-method' : method.toLowerCase());

describe('the API document lists every route of serverless.yml', () => {
  it('every httpApi route is in the document, with its method', () => {
    const routes = serverlessRoutes();
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) expect(doc.paths[openApiPath(r.path)]?.[opKey(r.method)], `${r.method} ${r.path}`).toBeDefined();
  });

  it('and the document has no route serverless.yml does not serve', () => {
    const routes = new Set(serverlessRoutes().map((r) => `${opKey(r.method)} ${openApiPath(r.path)}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual([...routes].sort());
  });

  it('the committed document (what GET /v1/openapi.json serves) is the one the code makes now: run `npm run openapi`', () => {
    expect(readFileSync(DOCUMENT_FILE, 'utf8')).toBe(documentText(doc));
  });

  it('is OpenAPI 3.1 with unique operation ids, GET /v1/openapi.json public', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const ids = Object.values(doc.paths).flatMap((item: any) => Object.entries(item).filter(([k]) => METHODS.includes(k)).map(([, op]: [string, any]) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/v1/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/'].get.security).toEqual([]);
    expect(doc.paths['/v1/cas'].post.security).toBeUndefined(); // the global Keystone token
  });
});

describe('facts come from the handlers', () => {
  it('every API function declares its route (projectRoute, publicRoute); only the ACME front end does not', () => {
    for (const r of served) {
      const key = `${r.method} ${r.path}`;
      if (ACME_ROUTES[key]) expect(r.route, key).toBeUndefined();
      else expect(r.route, key).toBeDefined();
    }
  });

  it('a route’s body schema is the handler’s own: the document changes with it', () => {
    const create = served.find((r) => r.method === 'POST' && r.path === '/v1/cas')!;
    expect(doc.paths['/v1/cas'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateCaRequest' });
    expect(Object.keys(doc.components.schemas.CreateCaRequest.properties)).toEqual(Object.keys((create.route!.body as any).shape));
    // Server-side keys: a certificate request without `csr`, with `key_type` and `subject`.
    const issue = doc.components.schemas.IssueCertificateRequest;
    expect(issue.required ?? []).not.toContain('csr');
    expect(Object.keys(issue.properties)).toEqual(expect.arrayContaining(['csr', 'key_type', 'subject']));
  });

  it('path parameters carry their kind’s pattern and 404 code', () => {
    const get = doc.paths['/v1/cas/{id}'].get;
    expect(get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true, schema: { pattern: expect.stringContaining('[0-9a-fA-F]{8}') } });
    expect(get.responses['404'].content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toEqual(['CA_NOT_FOUND']);
  });

  it('each route’s policy rules are the ones its handler enforces', () => {
    const byFunction = new Map<string, Set<string>>();
    const handlerOf = new Map(serverlessRoutes().map((r) => [`${r.method} ${r.path}`, r.handler]));
    for (const [key, route] of Object.entries(ROUTES)) {
      const handler = handlerOf.get(key)!;
      const module = `${handler.slice(0, handler.lastIndexOf('.'))}.ts`;
      const source = readFileSync(join(ROOT, module), 'utf8');
      const inSource = new Set([...source.matchAll(/(?:enforce|isAllowed)\('([a-z:_]+)'/g)].map((m) => m[1]));
      for (const rule of route.rules ?? []) expect(inSource, `${key} documents ${rule}`).toContain(rule);
      const set = byFunction.get(module) ?? new Set();
      for (const rule of route.rules ?? []) set.add(rule);
      byFunction.set(module, set);
      if (route.rules?.length) expect(doc.paths[openApiPath(key.split(' ')[1])][key.split(' ')[0].toLowerCase()]['x-policy-rules']).toEqual(route.rules);
    }
    // And no rule a handler enforces is missing from its routes.
    for (const [module, rules] of byFunction) {
      const source = readFileSync(join(ROOT, module), 'utf8');
      for (const m of source.matchAll(/enforce\('([a-z:_]+)'/g)) expect(rules, `${module} enforces ${m[1]}`).toContain(m[1]);
    }
  });

  it('the README’s policy table names each route’s rule', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| Rule | Default | Protects |'), readme.indexOf('Objects always belong to one project'));
    for (const [key, route] of Object.entries(ROUTES)) {
      if (!route.rules?.length) continue;
      const row = table.split('\n').find((l) => l.includes(`\`${route.rules![0]}\``));
      expect(row, `${key}: ${route.rules[0]} in the README's policy table`).toBeDefined();
    }
    expect(table).toMatch(/`ca:cas:update`.*`POST \/v1\/cas\/\{id\}\/rotate`.*`POST \/v1\/cas\/\{id\}\/reissue`/);
  });
});
