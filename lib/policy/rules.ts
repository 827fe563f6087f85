/**
 * A small evaluator for oslo.policy rule strings: checks `role:X`, `rule:name`, `@`, `!`,
 * `kind:%(target)s` against credentials, combined with `and`, `or`, `not` and parentheses,
 * with oslo's precedence (not > and > or).
 */
export type Creds = Record<string, unknown> & { roles: string[] };
export type Target = Record<string, unknown>;
export type Rule = (target: Target, creds: Creds, rules: RuleSet) => boolean;
export type RuleSet = Record<string, Rule>;

/** As oslo does: split on whitespace, then peel parentheses off the ends of each word, so `%(x)s` stays whole. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const open = word.length - word.replace(/^\(+/, '').length;
    const body = word.slice(open);
    const close = body.length - body.replace(/\)+$/, '').length;
    const core = body.slice(0, body.length - close);
    out.push(...Array(open).fill('('));
    if (core) out.push(core);
    out.push(...Array(close).fill(')'));
  }
  return out;
}

export class PolicySyntaxError extends Error {
  readonly code = 'POLICY_SYNTAX';
}

export function parseRule(text: string): Rule {
  const tokens = tokenize(text);
  if (tokens.length === 0) return () => true;
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  const parseOr = (): Rule => {
    const parts = [parseAnd()];
    while (peek()?.toLowerCase() === 'or') {
      next();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : (t, c, r) => parts.some((p) => p(t, c, r));
  };
  const parseAnd = (): Rule => {
    const parts = [parseNot()];
    while (peek()?.toLowerCase() === 'and') {
      next();
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0] : (t, c, r) => parts.every((p) => p(t, c, r));
  };
  const parseNot = (): Rule => {
    if (peek()?.toLowerCase() === 'not') {
      next();
      const inner = parseNot();
      return (t, c, r) => !inner(t, c, r);
    }
    return parseAtom();
  };
  const parseAtom = (): Rule => {
    const tok = next();
    if (tok === undefined) throw new PolicySyntaxError(`rule "${text}" ends early`);
    if (tok === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new PolicySyntaxError(`rule "${text}" has an unclosed parenthesis`);
      return inner;
    }
    return parseCheck(tok);
  };

  const rule = parseOr();
  if (pos !== tokens.length) throw new PolicySyntaxError(`rule "${text}" has unexpected "${tokens[pos]}"`);
  return rule;
}

function substitute(match: string, target: Target): string | undefined {
  let missing = false;
  const out = match.replace(/%\(([^)]+)\)s/g, (_, name: string) => {
    if (!(name in target)) {
      missing = true;
      return '';
    }
    return String(target[name]);
  });
  return missing ? undefined : out;
}

function parseCheck(tok: string): Rule {
  if (tok === '@') return () => true;
  if (tok === '!') return () => false;
  const colon = tok.indexOf(':');
  if (colon < 0) throw new PolicySyntaxError(`"${tok}" is not a check (expected kind:match)`);
  const kind = tok.slice(0, colon);
  const match = tok.slice(colon + 1);
  if (kind === 'rule') return (t, c, rules) => (rules[match] ? rules[match](t, c, rules) : false);
  if (kind === 'role') {
    return (t, c) => {
      const want = substitute(match, t);
      return want !== undefined && c.roles.some((r) => r.toLowerCase() === want.toLowerCase());
    };
  }
  return (t, c) => {
    const want = substitute(match, t);
    return want !== undefined && kind in c && String(c[kind]) === want;
  };
}
