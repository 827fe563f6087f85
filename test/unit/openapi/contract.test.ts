import { describe, expect, it } from 'vitest';
import { checkAnswer, ContractViolation, templateOf } from '../../support/contract.js';

/** The integration suites' contract check (test/support/contract.ts) refuses what the document does not say. */
const uuid = '00000000-0000-4000-8000-000000000001';
const t = '2026-01-02T03:04:05Z';
const job = { id: uuid, kind: 'ca.create', status: 'queued', reason: null, attempts: 0, created_at: t, updated_at: t, links: [{ rel: 'self', href: `http://x/v1/jobs/${uuid}` }] };
const error = (code: string, status: number) => ({ error: { code, status, message: 'm', request_id: 'req-1' } });

describe('the contract check', () => {
  it('matches request paths to the document’s templates, literal segments first', () => {
    expect(templateOf('GET', `/v1/cas/${uuid}?x=1`)).toBe('/v1/cas/{id}');
    expect(templateOf('GET', '/v1/public/p/cas/c/acme/directory')).toBe('/v1/public/{project}/cas/{id}/acme/directory');
    expect(templateOf('PUT', '/v1/public/p/cas/c/acme/anything/else')).toBe('/v1/public/{project}/cas/{id}/acme/{proxy}');
    expect(templateOf('GET', '/v1/public/p/cas/c/ocsp/MEow/Q+b')).toBe('/v1/public/{project}/cas/{id}/ocsp/{request}');
    expect(templateOf('GET', '/v1/nowhere')).toBeUndefined();
  });

  it('passes an answer the document describes', () => {
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 200, 'application/json', { job })).not.toThrow();
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 404, 'application/json', error('JOB_NOT_FOUND', 404))).not.toThrow();
    expect(() => checkAnswer('DELETE', '/v1/webhook', 204, 'application/json', undefined)).not.toThrow();
  });

  it('throws for an undocumented status, field, code or media type, or an unknown route', () => {
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 418, 'application/json', {})).toThrow(ContractViolation);
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 200, 'application/json', { job: { ...job, extra: 1 } })).toThrow(/additional properties/);
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 200, 'application/json', { job: { ...job, status: 'lost' } })).toThrow(/allowed values/);
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 404, 'application/json', error('CA_NOT_FOUND', 404))).toThrow(/allowed values/);
    expect(() => checkAnswer('GET', `/v1/jobs/${uuid}`, 200, 'text/html', '<p>')).toThrow(/text\/html/);
    expect(() => checkAnswer('DELETE', '/v1/webhook', 204, 'application/json', { x: 1 })).toThrow(/no body/);
    expect(() => checkAnswer('GET', '/v1/nowhere', 200, 'application/json', {})).toThrow(/no route/);
  });

  it('ACME answers: problem documents under `default`', () => {
    const url = '/v1/public/p/cas/c/acme/new-order';
    expect(() => checkAnswer('POST', url, 429, 'application/problem+json', { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'd', status: 429 })).not.toThrow();
    expect(() => checkAnswer('POST', url, 400, 'application/json', { type: 'x' })).toThrow(ContractViolation);
  });
});
