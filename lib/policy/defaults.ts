/**
 * Default rules, in oslo.policy syntax. policy.json (or policy.yaml) overrides them by name.
 * Every API route enforces exactly one of the `ca:*` names below (see the README's table).
 */
export const DEFAULT_RULES: Record<string, string> = {
  admin_required: 'role:admin',
  reader: 'role:reader or role:member or role:admin',
  member: 'role:member or role:admin',
  'ca:cas:create': 'rule:admin_required',
  'ca:cas:get': 'rule:reader',
  'ca:cas:list': 'rule:reader',
  'ca:cas:update': 'rule:admin_required',
  'ca:certificates:create': 'rule:member',
  'ca:certificates:create:wildcard': 'rule:admin_required',
  'ca:certificates:create:ttl_over_max': 'rule:admin_required',
  'ca:certificates:get': 'rule:reader',
  'ca:certificates:list': 'rule:reader',
  'ca:certificates:revoke': 'rule:member',
  'ca:jobs:get': 'rule:reader',
  'ca:profiles:list': 'rule:reader',
  'ca:profiles:update': 'rule:admin_required',
  'ca:profiles:delete': 'rule:admin_required',
  'ca:containers:create': 'rule:member',
  'ca:containers:get': 'rule:reader',
  'ca:containers:list': 'rule:reader',
  'ca:policies:get': 'rule:admin_required',
  'ca:events:list': 'rule:reader',
  'ca:webhook:get': 'rule:reader',
  'ca:webhook:update': 'rule:admin_required',
};
