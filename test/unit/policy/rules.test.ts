import { describe, expect, it } from 'vitest';
import { compileRules, DEFAULT_RULES, enforce, parseRule, PolicySyntaxError } from '../../../lib/policy/index.js';
import type { Credentials } from '../../../lib/auth/index.js';

const creds = (roles: string[], projectId = 'p1'): Credentials => ({ userId: 'u1', projectId, roles, expiresAt: new Date(Date.now() + 60_000), tokenId: 'x' });
const check = (rule: string, roles: string[], target: Record<string, unknown> = {}, rules = {}) =>
  parseRule(rule)(target, { roles, project_id: 'p1', user_id: 'u1' }, compileRules(rules));

describe('oslo.policy rule strings', () => {
  it('role checks are case-insensitive', () => {
    expect(check('role:Admin', ['admin'])).toBe(true);
    expect(check('role:admin', ['member'])).toBe(false);
  });
  it('@ always, ! never, empty always', () => {
    expect(check('@', [])).toBe(true);
    expect(check('!', ['admin'])).toBe(false);
    expect(check('', [])).toBe(true);
  });
  it('not binds tighter than and, and tighter than or', () => {
    expect(check('role:a or role:b and role:c', ['a'])).toBe(true);
    expect(check('(role:a or role:b) and role:c', ['a'])).toBe(false);
    expect(check('not role:a and role:b', ['b'])).toBe(true);
    expect(check('not (role:a or role:b)', ['b'])).toBe(false);
  });
  it('substitutes the target and compares credentials', () => {
    expect(check('project_id:%(project_id)s', [], { project_id: 'p1' })).toBe(true);
    expect(check('project_id:%(project_id)s', [], { project_id: 'p2' })).toBe(false);
    expect(check('project_id:%(missing)s', [], {})).toBe(false);
  });
  it('follows rule: references, unknown rules deny', () => {
    expect(check('rule:r', ['x'], {}, { r: 'role:x' })).toBe(true);
    expect(check('rule:nope', ['x'])).toBe(false);
  });
  it('refuses malformed rules', () => {
    expect(() => parseRule('role:a or')).toThrow(PolicySyntaxError);
    expect(() => parseRule('(role:a')).toThrow(PolicySyntaxError);
    expect(() => parseRule('role:a role:b')).toThrow(PolicySyntaxError);
    expect(() => parseRule('justaword')).toThrow(PolicySyntaxError);
  });
});

describe('default rules', () => {
  it('compile', () => expect(() => compileRules(DEFAULT_RULES)).not.toThrow());
  it('admin creates CAs, members do not', () => {
    expect(() => enforce('ca:cas:create', creds(['admin']), {})).not.toThrow();
    expect(() => enforce('ca:cas:create', creds(['member']), {})).toThrow(expect.objectContaining({ status: 403, code: 'POLICY_DENIED:ca:cas:create' }));
  });
  it('members request certificates, readers only read', () => {
    expect(() => enforce('ca:certificates:create', creds(['member']), {})).not.toThrow();
    expect(() => enforce('ca:certificates:create', creds(['reader']), {})).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => enforce('ca:certificates:get', creds(['reader']), {})).not.toThrow();
  });
  it('an unknown rule name denies', () => {
    expect(() => enforce('ca:nothing', creds(['admin']), {})).toThrow(expect.objectContaining({ status: 403 }));
  });
});
