import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { projectRoute, publicRoute } from '../../../lib/http/index.js';
import { pageLinks, pageParams } from '../../../lib/http/paging.js';

const event = (headers: Record<string, string>, body?: string): APIGatewayProxyEventV2 =>
  ({ headers, body, isBase64Encoded: false, routeKey: 'POST /x', requestContext: { requestId: 'r1' } }) as unknown as APIGatewayProxyEventV2;
const ctx = {} as Context;

describe('projectRoute', () => {
  it('answers 503 with Retry-After when Keystone is unreachable, never 500', async () => {
    process.env.OS_AUTH_URL = 'http://127.0.0.1:1/v3';
    const route = projectRoute({ body: z.object({ a: z.string() }) }, async () => ({ status: 200 }));
    const res = await route(event({ 'x-auth-token': 'tok' }, '{"a":"b"}'), ctx);
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('5');
    expect(res.headers?.['x-openstack-request-id']).toBe('req-r1');
    const body = JSON.parse(res.body as string);
    expect(body.error).toMatchObject({ code: 'IDENTITY_UNAVAILABLE', status: 503, request_id: 'req-r1' });
    expect(res.body).not.toContain('tok');
  });

  it('checks the token before reading the body', async () => {
    const route = projectRoute({ body: z.object({}) }, async () => ({ status: 200 }));
    const res = await route(event({}, '{not json'), ctx);
    expect(res.statusCode).toBe(401);
  });
});

describe('publicRoute', () => {
  it('maps unexpected errors to a 500 JSON body without details', async () => {
    const route = publicRoute(async () => {
      throw new Error('boom at /secret/path');
    });
    const res = await route(event({}), ctx);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body as string).error.code).toBe('INTERNAL_ERROR');
    expect(res.body).not.toContain('boom');
  });
});

describe('request ids', () => {
  it('one per request: serverless-offline gives every request the same requestContext.requestId', async () => {
    const route = publicRoute(async () => ({ status: 200, body: {} }));
    const offline = () => ({ headers: {}, routeKey: 'GET /', requestContext: { requestId: 'offlineContext_resourceId' } }) as unknown as APIGatewayProxyEventV2;
    const ids = [];
    for (const e of [offline(), offline(), { headers: {} } as unknown as APIGatewayProxyEventV2]) ids.push((await route(e, ctx)).headers?.['x-openstack-request-id']);
    for (const id of ids) expect(id).toMatch(/^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
  });
  it('keeps the id API Gateway gives', async () => {
    const res = await publicRoute(async () => ({ status: 200, body: {} }))(event({}), ctx);
    expect(res.headers?.['x-openstack-request-id']).toBe('req-r1');
  });
});

describe('paging', () => {
  it('reads limit and marker', () => {
    expect(pageParams({})).toEqual({ limit: 50, marker: undefined });
    expect(pageParams({ limit: '500' }).limit).toBe(200);
    expect(() => pageParams({ limit: 'x' })).toThrow(expect.objectContaining({ code: 'QUERY_INVALID', status: 400 }));
    expect(() => pageParams({ marker: "'; drop" })).toThrow(expect.objectContaining({ code: 'QUERY_INVALID' }));
  });
  it('takes as marker only what could be an id: a UUID', () => {
    expect(pageParams({ marker: '0b9c6f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f' }).marker).toBe('0b9c6f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f');
    for (const marker of ['-'.repeat(36), 'a'.repeat(36), `${'0'.repeat(8)}-${'0'.repeat(4)}-${'0'.repeat(4)}-${'0'.repeat(4)}-${'0'.repeat(11)}-`, 'x'.repeat(1100)]) {
      expect(() => pageParams({ marker }), marker).toThrow(expect.objectContaining({ code: 'QUERY_INVALID', details: { field: 'marker' } }));
    }
  });
  it('links the next page only when there is one', () => {
    expect(pageLinks('http://h/v1/x', {}, 2)).toEqual([]);
    const [next] = pageLinks('http://h/v1/x', { ca_id: 'c', marker: 'old' }, 2, 'm2');
    expect(next).toEqual({ rel: 'next', href: 'http://h/v1/x?ca_id=c&limit=2&marker=m2' });
  });
});
