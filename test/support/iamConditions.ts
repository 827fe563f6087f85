/**
 * IAM's condition operators, as far as the boundary tests use them: the string operators, with
 * or without a set qualifier. Every operator in a Condition block must hold, and within one key
 * any of the listed values may match (AWS's "Condition element" rules). An operator not handled
 * here throws, so a policy the evaluator cannot read fails the test instead of passing it.
 */
export type RequestContext = Readonly<Record<string, readonly string[]>>;
export type Condition = Record<string, Record<string, string | string[]>>;

const OPERATOR = /^(?:(ForAnyValue|ForAllValues):)?(StringEquals|StringNotEquals|StringLike|StringNotLike)$/;
const like = (pattern: string, value: string) =>
  new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`).test(value);

function operatorHolds(operator: string, wanted: readonly string[], values: readonly string[] | undefined): boolean {
  const m = OPERATOR.exec(operator);
  if (!m) throw new Error(`condition operator ${operator} is not understood by this evaluator`);
  const [, qualifier, base] = m;
  const negated = base.includes('Not');
  const compare = base.endsWith('Like') ? like : (w: string, v: string) => w === v;
  // A negated operator holds for a value that matches none of the listed ones.
  const matches = (v: string) => wanted.some((w) => compare(w, v)) !== negated;
  const present = values ?? [];
  if (qualifier === 'ForAllValues') return present.every(matches); // true for no values
  if (qualifier === 'ForAnyValue') return present.some(matches); // false for no values
  // Single-valued: a missing key matches nothing, so only a negated operator holds.
  return present.length === 0 ? negated : present.length === 1 && matches(present[0]);
}

export function conditionHolds(condition: Condition | undefined, context: RequestContext): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([k, v]) => operatorHolds(operator, Array.isArray(v) ? v : [v], context[k])),
  );
}
