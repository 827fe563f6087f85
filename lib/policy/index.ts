import { forbidden } from '../errors/index.js';
import type { Credentials } from '../auth/index.js';
import { DEFAULT_RULES } from './defaults.js';
import { parseRule, type RuleSet, type Target } from './rules.js';

export { DEFAULT_RULES } from './defaults.js';
export { parseRule, PolicySyntaxError } from './rules.js';

export function compileRules(texts: Record<string, string>): RuleSet {
  return Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, parseRule(text)]));
}

let compiled: RuleSet | undefined;

/** Throws 403 `POLICY_DENIED:<rule>` unless the named rule allows the caller on the target. */
export function enforce(ruleName: string, creds: Credentials, target: Target, rules: RuleSet = (compiled ??= compileRules(DEFAULT_RULES))): void {
  const rule = rules[ruleName];
  const oc = { roles: creds.roles, user_id: creds.userId, project_id: creds.projectId ?? null };
  if (!rule || !rule(target, oc, rules)) {
    throw forbidden(`POLICY_DENIED:${ruleName}`, `Policy does not allow "${ruleName}" for your roles (${creds.roles.join(', ') || 'none'}).`);
  }
}
