import { forbidden } from '../errors/index.js';
import type { Credentials } from '../auth/index.js';
import { log } from '../log/index.js';
import type { Creds, Target } from './checks.js';
import { PolicyStore, type Policy } from './ruleSet.js';

export { DEFAULT_RULES } from './defaults.js';
export { parseRule } from './parse.js';
export { compilePolicy, readPolicyFile, PolicyStore, PolicyFileError, type Policy } from './ruleSet.js';
export type { Creds, Target } from './checks.js';

let store: PolicyStore | undefined;

/** The service's policy: POLICY_FILE (default ./policy.json, if present) over the defaults in code. */
export function currentPolicy(): Policy {
  store ??= new PolicyStore(process.env.POLICY_FILE ?? 'policy.json', (e) => log.error('policy file not reloaded; the previous policy stays in force', { reason: e.message }));
  return store.get();
}

/** Credentials as oslo.policy sees them. */
export function policyCreds(creds: Credentials): Creds {
  return { roles: creds.roles, user_id: creds.userId, project_id: creds.projectId ?? null, domain_id: creds.userDomainId ?? null, is_admin: false, system_scope: creds.system ? 'all' : null };
}

/** Nested targets are flattened to dotted keys, as Keystone does, so `%(target.project.id)s` works. */
export function flattenTarget(target: Target, prefix = '', out: Target = {}): Target {
  for (const [k, v] of Object.entries(target)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenTarget(v as Target, key, out);
    else out[key] = v;
  }
  return out;
}

export function isAllowed(ruleName: string, creds: Credentials, target: Target, policy: Policy = currentPolicy()): boolean {
  const rule = policy.rules[ruleName];
  try {
    return rule !== undefined && rule(flattenTarget(target), policyCreds(creds), policy.rules, 0);
  } catch {
    // As in oslo: an enforcement that raises grants nothing.
    return false;
  }
}

/** Throws 403 `POLICY_DENIED:<rule>` unless the named rule allows the caller on the target. */
export function enforce(ruleName: string, creds: Credentials, target: Target, policy?: Policy): void {
  if (!isAllowed(ruleName, creds, target, policy)) {
    throw forbidden(`POLICY_DENIED:${ruleName}`, `Policy rule "${ruleName}" does not allow this for your roles (${creds.roles.join(', ') || 'none'}).`);
  }
}
