import { describe, expect, it } from 'vitest';
import { authzStatus, authzView, orderStatus, orderView } from '../../../lib/acme/views.js';
import { acmeUrls } from '../../../lib/acme/urls.js';
import type { AcmeAuthzRecord, AcmeOrderRecord } from '../../../lib/store/index.js';

/** Order and authorization states are derived on read from what the validator found (RFC 8555 7.1.6). */
const NOW = new Date('2026-12-01T12:00:00Z');
const LATER = '2026-12-08T12:00:00Z';
const urls = acmeUrls('https://ca.example', 'p1', 'ca1');
const authz = (fields: Partial<AcmeAuthzRecord> = {}): AcmeAuthzRecord => ({
  id: 'a1', projectId: 'p1', caId: 'ca1', accountId: 'acct', orderId: 'o1', identifier: { type: 'dns', value: 'a.example.org' }, wildcard: false,
  status: 'pending', expires: LATER, challenges: [{ type: 'http-01', token: 't1' }, { type: 'dns-01', token: 't2' }], createdAt: '', updatedAt: '', ...fields,
});
const order = (fields: Partial<AcmeOrderRecord> = {}): AcmeOrderRecord => ({
  id: 'o1', projectId: 'p1', caId: 'ca1', accountId: 'acct', status: 'pending', identifiers: [{ type: 'dns', value: 'a.example.org' }], authorizationIds: ['a1'], expires: LATER, profile: 'default', createdAt: '', updatedAt: '', ...fields,
});
const valid = { status: 'valid' as const, type: 'http-01' as const, at: NOW.toISOString() };

describe('derived states', () => {
  it('an authorization is valid only with the validator\'s finding, whatever its status says', () => {
    expect(authzStatus(authz({ status: 'valid' }), NOW)).toBe('pending');
    expect(authzStatus(authz({ status: 'valid', validation: valid }), NOW)).toBe('valid');
    expect(authzStatus(authz({ validation: { ...valid, status: 'invalid' } }), NOW)).toBe('invalid');
    expect(authzStatus(authz({ validation: valid, expires: '2026-11-30T00:00:00Z' }), NOW)).toBe('expired');
    expect(authzStatus(authz({ status: 'deactivated', validation: valid }), NOW)).toBe('deactivated');
  });

  it('an order is ready when every authorization is valid, invalid when one is not or it expired; stored states win', () => {
    expect(orderStatus(order(), [authz()], NOW)).toBe('pending');
    expect(orderStatus(order(), [authz({ validation: valid })], NOW)).toBe('ready');
    expect(orderStatus(order(), [authz({ validation: { ...valid, status: 'invalid' } })], NOW)).toBe('invalid');
    expect(orderStatus(order(), [], NOW)).toBe('invalid');
    expect(orderStatus(order({ expires: '2026-11-30T00:00:00Z' }), [authz({ validation: valid })], NOW)).toBe('invalid');
    expect(orderStatus(order({ status: 'processing' }), [authz({ validation: valid })], NOW)).toBe('processing');
  });

  it('views: the failed validation is the order\'s error; a valid order links its certificate; a valid authorization shows the challenge that validated it', () => {
    const failed = { ...valid, status: 'invalid' as const, error: { type: 'urn:ietf:params:acme:error:incorrectResponse', detail: 'wrong body' } };
    expect(orderView(order(), [authz({ validation: failed })], urls, NOW).error).toEqual(failed.error);
    expect(orderView(order({ status: 'valid', certificateId: 'c1' }), [], urls, NOW).certificate).toBe(urls.certificate('c1'));
    expect(orderView(order(), [authz()], urls, NOW)).not.toHaveProperty('certificate');
    const v = authzView(authz({ validation: valid, status: 'valid' }), urls, NOW);
    expect(v.challenges.map((c) => [c.type, c.status])).toEqual([['http-01', 'valid']]);
    const processing = authzView(authz({ challenges: [{ type: 'http-01', token: 't1', requestedAt: NOW.toISOString() }] }), urls, NOW);
    expect(processing.challenges[0].status).toBe('processing');
  });
});
