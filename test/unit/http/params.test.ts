import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

// A valid project-scoped token for every request: these tests are about what comes after it.
vi.mock('../../../lib/auth/index.js', () => ({
  authConfigFromEnv: () => ({}),
  keystoneAuthenticator: () => async () => ({ userId: 'u1', projectId: 'p1', roles: ['admin'], expiresAt: new Date(Date.now() + 3600_000), tokenId: 't1' }),
}));

const { projectRoute, publicRoute } = await import('../../../lib/http/index.js');
const { Profile } = await import('../../../lib/profiles/index.js');

const UUID = '0b9c6f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f';
const ctx = {} as Context;
const event = (pathParameters: Record<string, string>, opts: { query?: Record<string, string>; body?: string } = {}): APIGatewayProxyEventV2 =>
  ({
    headers: { 'x-auth-token': 'tok', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: opts.body,
    isBase64Encoded: false,
    routeKey: 'GET /x',
    pathParameters,
    queryStringParameters: opts.query,
    requestContext: { requestId: 'r1' },
  }) as unknown as APIGatewayProxyEventV2;

const errorOf = (res: { body?: string }) => JSON.parse(res.body as string).error;

describe('path parameters are checked before the handler runs', () => {
  it.each([
    ['ca', 'CA_NOT_FOUND'],
    ['certificate', 'CERTIFICATE_NOT_FOUND'],
    ['job', 'JOB_NOT_FOUND'],
    ['container', 'CONTAINER_NOT_FOUND'],
  ] as const)('a %s id that is not a UUID: 404 %s, the handler (and so the store) never called', async (kind, code) => {
    const fn = vi.fn(async () => ({ status: 200 }));
    const route = projectRoute({ params: { id: kind } }, fn);
    for (const bad of ['x'.repeat(1100), 'not-a-uuid', `${UUID}x`, '-'.repeat(36), '']) {
      const res = await route(event({ id: bad }), ctx);
      expect(res.statusCode, bad.slice(0, 40)).toBe(404);
      expect(errorOf(res).code).toBe(code);
      expect(res.body).not.toContain('x'.repeat(100));
    }
    expect(fn).not.toHaveBeenCalled();
    expect((await route(event({ id: UUID }), ctx)).statusCode).toBe(200);
    expect((await route(event({ id: UUID.toUpperCase() }), ctx)).statusCode).toBe(200);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('a missing declared parameter is not found either', async () => {
    const fn = vi.fn(async () => ({ status: 200 }));
    const res = await projectRoute({ params: { id: 'ca' } }, fn)(event({}), ctx);
    expect(res.statusCode).toBe(404);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a profile name is a name the profile schema could accept; the CA id is checked too', async () => {
    const fn = vi.fn(async () => ({ status: 204 }));
    const route = projectRoute({ params: { id: 'ca', name: 'profile' } }, fn);
    expect(errorOf(await route(event({ id: 'nope', name: 'web' }), ctx)).code).toBe('CA_NOT_FOUND');
    for (const bad of ['n'.repeat(64), 'Web', '-web', '__proto__', 'a b', '']) {
      const res = await route(event({ id: UUID, name: bad }), ctx);
      expect(res.statusCode, bad).toBe(404);
      expect(errorOf(res).code).toBe('PROFILE_NOT_FOUND');
      expect(Profile.safeParse({ name: bad }).success, bad).toBe(false);
    }
    expect(fn).not.toHaveBeenCalled();
    for (const good of ['web', 'n'.repeat(63), '0-a_b']) {
      expect((await route(event({ id: UUID, name: good }), ctx)).statusCode, good).toBe(204);
      expect(Profile.safeParse({ name: good }).success, good).toBe(true);
    }
  });

  it('a profile name being created is a bad request, not a missing profile', async () => {
    const fn = vi.fn(async () => ({ status: 201 }));
    const route = projectRoute({ params: { id: 'ca', name: 'newProfile' }, body: z.object({}) }, fn);
    const res = await route(event({ id: UUID, name: 'n'.repeat(1100) }, { body: '{}' }), ctx);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'PATH_INVALID', details: { field: 'name' } });
    expect(errorOf(await route(event({ id: 'x'.repeat(1100), name: 'web' }, { body: '{}' }), ctx)).code).toBe('CA_NOT_FOUND');
    expect(fn).not.toHaveBeenCalled();
  });

  it('the path is checked before the body: an unknown object is not found whatever the body says', async () => {
    const fn = vi.fn(async () => ({ status: 200 }));
    const route = projectRoute({ params: { id: 'certificate' }, body: z.object({ a: z.string() }).strict() }, fn);
    expect(errorOf(await route(event({ id: 'x'.repeat(1100) }, { body: '{"b":1}' }), ctx)).code).toBe('CERTIFICATE_NOT_FOUND');
  });
});

describe('query parameters that are ids are checked before the handler runs', () => {
  it('400 QUERY_INVALID naming the parameter; absent is fine', async () => {
    const fn = vi.fn(async () => ({ status: 200 }));
    const route = projectRoute({ query: { ca_id: 'ca' } }, fn);
    for (const bad of ['x'.repeat(1100), '-'.repeat(36), `${UUID}0`, '']) {
      const res = await route(event({}, { query: { ca_id: bad } }), ctx);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'QUERY_INVALID', details: { field: 'ca_id' } });
    }
    expect(fn).not.toHaveBeenCalled();
    expect((await route(event({}, { query: { ca_id: UUID } }), ctx)).statusCode).toBe(200);
    expect((await route(event({}), ctx)).statusCode).toBe(200);
  });
});

describe('public routes check their path parameters too', () => {
  it('a project that is no Keystone project id, or a CA id that is no UUID, gets the route’s own not-found answer', async () => {
    const fn = vi.fn(async () => ({ status: 200 }));
    const route = publicRoute({ params: { project: 'project', id: 'ca' }, notFound: () => ({ status: 200, body: { nothing: true } }) }, fn);
    for (const [project, id] of [
      ['p'.repeat(65), UUID],
      ['p/q', UUID],
      ['', UUID],
      ['p1', 'x'.repeat(1100)],
    ]) {
      const res = await route(event({ project, id }), ctx);
      expect(JSON.parse(res.body as string)).toEqual({ nothing: true });
    }
    expect(fn).not.toHaveBeenCalled();
    await route(event({ project: 'Ab_-9'.repeat(12).slice(0, 64), id: UUID }), ctx);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
