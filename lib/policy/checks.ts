/**
 * oslo.policy's checks, with its semantics to the letter (oslo_policy/_checks.py): the same
 * substitution, the same string comparison of Python's str(), the same answers for missing keys.
 */
export type Creds = Record<string, unknown>;
export type Target = Record<string, unknown>;

export interface Check {
  (target: Target, creds: Creds, rules: RuleSet, depth: number): boolean;
  /** Rule names this check refers to, for cycle and reference checks at load. */
  refs?: string[];
}
export type RuleSet = Record<string, Check>;

const MAX_DEPTH = 50;

/** Python's str() of a JSON value, as oslo compares everything as text. */
export function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** `match % target`: %(key)s from the target; a missing key is oslo's KeyError, i.e. undefined here. */
export function substitute(match: string, target: Target): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]*)\)s|%%/g, (m, key: string | undefined) => {
    if (m === '%%') return '%';
    if (!Object.prototype.hasOwnProperty.call(target, key!)) {
      missing = true;
      return '';
    }
    return pyStr(target[key!]);
  });
  return missing ? undefined : out;
}

/** ast.literal_eval of the kind for the literal forms policies use: 'str', "str", True, False, None, integers. */
function literal(kind: string): string | undefined {
  if (/^'[^'\\]*'$/.test(kind) || /^"[^"\\]*"$/.test(kind)) return kind.slice(1, -1);
  if (kind === 'True' || kind === 'False' || kind === 'None') return kind;
  if (/^-?(0|[1-9]\d*)$/.test(kind)) return String(Number(kind));
  return undefined;
}

function findInDict(value: unknown, path: string[], match: string): boolean {
  if (path.length === 0) return match === pyStr(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, path[0])) return false;
  const next = (value as Record<string, unknown>)[path[0]];
  const rest = path.slice(1);
  if (Array.isArray(next)) return next.some((v) => findInDict(v, rest, match));
  return findInDict(next, rest, match);
}

export class PolicyEvaluationError extends Error {
  readonly code = 'POLICY_EVALUATION';
}

/** A rule oslo cannot evaluate at all: it throws, and the enforcement as a whole denies. */
export const brokenCheck = (text: string): Check => () => {
  throw new PolicyEvaluationError(`rule "${text}" cannot be evaluated`);
};

export const trueCheck: Check = () => true;
export const falseCheck: Check = () => false;

export function ruleCheck(name: string): Check {
  const check: Check = (t, c, rules, depth) => {
    const rule = Object.prototype.hasOwnProperty.call(rules, name) ? rules[name] : undefined;
    // A reference loop would recurse forever in oslo; here it denies.
    return rule !== undefined && depth < MAX_DEPTH && rule(t, c, rules, depth + 1);
  };
  check.refs = [name];
  return check;
}

export function roleCheck(match: string): Check {
  return (t, c) => {
    const want = substitute(match, t);
    if (want === undefined || !Array.isArray(c.roles)) return false;
    return c.roles.some((r) => pyStr(r).toLowerCase() === want.toLowerCase());
  };
}

export function genericCheck(kind: string, match: string): Check {
  const lit = literal(kind);
  const path = kind.split('.');
  return (t, c) => {
    const want = substitute(match, t);
    if (want === undefined) return false;
    if (lit !== undefined) return want === lit;
    return findInDict(c, path, want);
  };
}

export const notCheck = (inner: Check): Check => Object.assign((t: Target, c: Creds, r: RuleSet, d: number) => !inner(t, c, r, d), { refs: inner.refs });
export const andCheck = (parts: Check[]): Check => Object.assign((t: Target, c: Creds, r: RuleSet, d: number) => parts.every((p) => p(t, c, r, d)), { refs: parts.flatMap((p) => p.refs ?? []) });
export const orCheck = (parts: Check[]): Check => Object.assign((t: Target, c: Creds, r: RuleSet, d: number) => parts.some((p) => p(t, c, r, d)), { refs: parts.flatMap((p) => p.refs ?? []) });
