import { describe, expect, it } from 'vitest';
import { openApiPath, serverlessRoutes } from '../../lib/openapi/index.js';
import { api } from '../support/api.js';

describe('GET /v1/openapi.json', () => {
  it('serves the OpenAPI 3.1 document of every route, without a token', async () => {
    const { status, headers, body } = await api('GET', '/v1/openapi.json');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(body.servers[0].url).toBe(process.env.API_URL ?? 'http://127.0.0.1:13000');
    const routes = serverlessRoutes();
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const item = body.paths[openApiPath(r.path)];
      expect(item, `${r.method} ${r.path}`).toBeDefined();
      expect(item[r.method === '*' ? 'x-amazon-apigateway-any-method' : r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
  });
});
