import { describe, expect, it } from 'vitest';
import { parseJobMessage, sameParams } from '../../../lib/jobs/index.js';

const id = () => crypto.randomUUID();
const good = () => ({ v: 1, jobId: id(), projectId: 'abc123', kind: 'certificate.issue', params: { caId: id(), certificateId: id() } });

describe('job message schema', () => {
  it('accepts a well-formed message', () => {
    expect(parseJobMessage(JSON.stringify(good())).ok).toBe(true);
  });
  it.each([
    ['an unknown version', { v: 2 }],
    ['an unknown kind', { kind: 'ca.destroy' }],
    ['a bad project id', { projectId: '../x' }],
    ['a token', { token: 'gAAAA' }],
    ['extra params', { params: { caId: id(), certificateId: id(), keyRef: 'x' } }],
    ['params of another kind', { kind: 'ca.create' }],
  ])('refuses %s', (_what, patch) => {
    const out = parseJobMessage(JSON.stringify({ ...good(), ...patch }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toMatch(/invalid job message/);
  });
  it('refuses non-JSON', () => {
    expect(parseJobMessage('{nope')).toEqual({ ok: false, reason: 'message body is not JSON' });
  });
  it('compares parameters exactly', () => {
    expect(sameParams({ a: '1', b: '2' }, { b: '2', a: '1' })).toBe(true);
    expect(sameParams({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameParams({ a: '1' }, { a: '1', b: '2' })).toBe(false);
  });
});
