// Differential test: the DEVELOPMENT-ONLY Barbican's policy (dev/barbican.ts) against Barbican 15's real
// default rules, evaluated by oslo.policy. Skipped where Debian's python3-barbican is not installed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barbicanAllows, type BarbicanAction, type BarbicanPolicySecret } from '../../../dev/barbican.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = fileURLToPath(new URL('./barbican_policy_oracle.py', import.meta.url));
const available = spawnSync(PYTHON, ['-c', 'import barbican.common.policies, oslo_policy'], { stdio: 'ignore' }).status === 0;

const ROLES = ['admin', 'creator', 'observer', 'audit', 'member', 'reader'];
const SECRET_ACTIONS: BarbicanAction[] = ['secret:get', 'secret:decrypt', 'secret:put', 'secret:delete', 'secret_acls:get', 'secret_acls:put_patch', 'secret_acls:delete'];
const ACLS: (BarbicanPolicySecret['readAcl'] | undefined)[] = [
  undefined,
  { users: ['me'], projectAccess: true },
  { users: ['me'], projectAccess: false },
  { users: [], projectAccess: false },
  { users: ['someone'], projectAccess: true },
];

interface Case {
  action: BarbicanAction;
  roles: string[];
  secret?: BarbicanPolicySecret;
}

/** The policy target Barbican builds for a route (ACLMixin.get_acl_tuple, SecretACLsController.get_acl_tuple). */
function target(c: Case, userId: string): Record<string, unknown> {
  const s = c.secret;
  if (!s) return {};
  const t: Record<string, unknown> = { 'target.secret.project_id': s.projectId, 'target.secret.creator_id': s.creatorId };
  if (c.action.startsWith('secret_acls:')) return t;
  if (s.readAcl?.users.includes(userId)) t['target.secret.read'] = 'read';
  t['target.secret.read_project_access'] = s.readAcl ? s.readAcl.projectAccess : true;
  return t;
}

describe.skipIf(!available)('dev barbican policy = Barbican 15 default rules (oslo.policy)', () => {
  it('agrees on every role set, project, creator and ACL combination', () => {
    const cases: Case[] = [];
    for (let mask = 0; mask < 1 << ROLES.length; mask++) {
      const roles = ROLES.filter((_, i) => mask & (1 << i));
      cases.push({ action: 'secrets:post', roles }, { action: 'secrets:get', roles });
      for (const projectId of ['mine', 'theirs'])
        for (const creatorId of ['me', 'someone'])
          for (const readAcl of ACLS) for (const action of SECRET_ACTIONS) cases.push({ action, roles, secret: { projectId, creatorId, readAcl } });
    }
    const input = cases.map((c) => ({ action: c.action, target: target(c, 'me'), creds: { roles: c.roles, project_id: 'mine', user_id: 'me' } }));
    const run = spawnSync(PYTHON, [ORACLE], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(run.status, run.stderr).toBe(0);
    const real = JSON.parse(run.stdout) as boolean[];
    expect(real).toHaveLength(cases.length);
    expect(real.filter(Boolean).length).toBeGreaterThan(cases.length / 10);
    const differences = cases
      .map((c, i) => ({ ...c, real: real[i], dev: barbicanAllows(c.action, { userId: 'me', projectId: 'mine', roles: new Set(c.roles) }, c.secret) }))
      .filter((d) => d.real !== d.dev);
    expect(differences).toEqual([]);
    // The cases that matter here, spelled out.
    const own = { projectId: 'mine', creatorId: 'someone' };
    expect(real[cases.findIndex((c) => c.action === 'secret:decrypt' && c.roles.join() === 'member' && c.secret?.projectId === 'mine' && !c.secret.readAcl)]).toBe(false);
    expect(barbicanAllows('secret:decrypt', { userId: 'me', projectId: 'mine', roles: new Set(['creator']) }, own)).toBe(true);
  });
});
