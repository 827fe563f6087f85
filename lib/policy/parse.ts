import { andCheck, brokenCheck, falseCheck, genericCheck, notCheck, orCheck, roleCheck, ruleCheck, trueCheck, type Check } from './checks.js';

/**
 * oslo.policy's rule language (oslo_policy/_parser.py), parsed the way oslo parses it: the same
 * tokenizer and the same shift-reduce grammar, so `not` > `and` > `or`, parentheses, `@`, `!`,
 * and the legacy list-of-lists form. Where oslo would quietly turn a rule into "deny", we do too,
 * and also report the problem so that loading a policy file can refuse it (fail closed, loudly).
 */
export interface Parsed {
  check: Check;
  problems: string[];
}

type Tok = 'check' | 'and' | 'or' | 'not' | '(' | ')' | 'string' | 'and_expr' | 'or_expr';

interface Expr {
  kind: 'and' | 'or';
  parts: Check[];
}

function parseCheckText(text: string, problems: string[]): Check {
  if (text === '!') return falseCheck;
  if (text === '@') return trueCheck;
  const colon = text.indexOf(':');
  if (colon < 0) {
    problems.push(`"${text}" is not a check (expected kind:match)`);
    return falseCheck;
  }
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (kind === 'rule') return ruleCheck(match);
  if (kind === 'role') return roleCheck(match);
  if (kind === 'http' || kind === 'https') {
    problems.push(`"${text}": remote http checks are not supported`);
    return falseCheck;
  }
  return genericCheck(kind, match);
}

function* tokenize(rule: string, problems: string[]): Generator<[Tok, unknown]> {
  for (const raw of rule.split(/\s+/)) {
    if (!raw.trim()) continue;
    let tok = raw;
    const clean = tok.replace(/^\(+/, '');
    for (let i = 0; i < tok.length - clean.length; i++) yield ['(', '('];
    if (!clean) continue;
    tok = clean;
    const body = tok.replace(/\)+$/, '');
    const trail = tok.length - body.length;
    const lowered = body.toLowerCase();
    if (lowered === 'and' || lowered === 'or' || lowered === 'not') yield [lowered, body];
    else if (body) {
      if (tok.length >= 2 && ((tok[0] === '"' && tok[tok.length - 1] === '"') || (tok[0] === "'" && tok[tok.length - 1] === "'"))) yield ['string', tok.slice(1, -1)];
      else yield ['check', parseCheckText(body, problems)];
    }
    for (let i = 0; i < trail; i++) yield [')', ')'];
  }
}

const toCheck = (v: unknown): Check => {
  const e = v as Expr | Check;
  if (typeof e === 'function') return e;
  return e.kind === 'and' ? andCheck(e.parts) : orCheck(e.parts);
};

/** The reductions of oslo's ParseState, tried after every shift until none applies. */
function reduce(tokens: Tok[], values: unknown[]): void {
  for (;;) {
    const n = tokens.length;
    const end = (...pattern: Tok[]) => n >= pattern.length && pattern.every((p, i) => tokens[n - pattern.length + i] === p);
    const replace = (count: number, tok: Tok, value: unknown) => {
      tokens.splice(n - count, count, tok);
      values.splice(n - count, count, value);
    };
    if (end('(', 'check', ')') || end('(', 'and_expr', ')') || end('(', 'or_expr', ')')) replace(3, 'check', toCheck(values[n - 2]));
    else if (end('check', 'and', 'check')) replace(3, 'and_expr', { kind: 'and', parts: [values[n - 3] as Check, values[n - 1] as Check] });
    else if (end('or_expr', 'and', 'check')) {
      const or = values[n - 3] as Expr;
      const last = or.parts[or.parts.length - 1];
      const joined: Expr = { kind: 'or', parts: [...or.parts.slice(0, -1), andCheck([last, values[n - 1] as Check])] };
      replace(3, 'or_expr', joined);
    } else if (end('and_expr', 'and', 'check')) {
      const and = values[n - 3] as Expr;
      replace(3, 'and_expr', { kind: 'and', parts: [...and.parts, values[n - 1] as Check] });
    } else if (end('check', 'or', 'check')) replace(3, 'or_expr', { kind: 'or', parts: [values[n - 3] as Check, values[n - 1] as Check] });
    else if (end('and_expr', 'or', 'check')) replace(3, 'or_expr', { kind: 'or', parts: [toCheck(values[n - 3]), values[n - 1] as Check] });
    else if (end('or_expr', 'or', 'check')) {
      const or = values[n - 3] as Expr;
      replace(3, 'or_expr', { kind: 'or', parts: [...or.parts, values[n - 1] as Check] });
    } else if (end('not', 'check')) replace(2, 'check', notCheck(values[n - 1] as Check));
    else return;
  }
}

export function parseTextRule(rule: string): Parsed {
  const problems: string[] = [];
  if (!rule) return { check: trueCheck, problems };
  const tokens: Tok[] = [];
  const values: unknown[] = [];
  for (const [tok, value] of tokenize(rule, problems)) {
    tokens.push(tok);
    values.push(value);
    reduce(tokens, values);
  }
  if (values.length !== 1) return { check: falseCheck, problems: [...problems, `"${rule}" is not a valid rule`] };
  // oslo keeps a lone keyword, parenthesis or quoted word as the "rule" and fails when it is
  // called, so the whole enforcement raises: every rule that reaches it denies.
  if (!['check', 'and_expr', 'or_expr'].includes(tokens[0])) return { check: brokenCheck(rule), problems: [...problems, `"${rule}" is not a valid rule`] };
  return { check: toCheck(values[0]), problems };
}

/** The legacy form: a list of alternatives, each a check or a list of checks that must all pass. */
export function parseListRule(rule: unknown[]): Parsed {
  const problems: string[] = [];
  if (rule.length === 0) return { check: trueCheck, problems };
  const alternatives: Check[] = [];
  for (const inner of rule) {
    if (inner === '' || (Array.isArray(inner) && inner.length === 0) || inner === null) continue;
    const list = typeof inner === 'string' ? [inner] : Array.isArray(inner) ? inner : null;
    if (!list || !list.every((x) => typeof x === 'string')) {
      problems.push(`${JSON.stringify(inner)} is not a check or a list of checks`);
      continue;
    }
    const checks = (list as string[]).map((t) => parseCheckText(t, problems));
    alternatives.push(checks.length === 1 ? checks[0] : andCheck(checks));
  }
  if (alternatives.length === 0) return { check: falseCheck, problems };
  return { check: alternatives.length === 1 ? alternatives[0] : orCheck(alternatives), problems };
}

export function parseRule(rule: unknown): Parsed {
  if (typeof rule === 'string') return parseTextRule(rule);
  if (Array.isArray(rule)) return parseListRule(rule);
  return { check: falseCheck, problems: [`${JSON.stringify(rule)} is neither a rule string nor a list`] };
}
