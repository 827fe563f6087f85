import { getPublicSuffix } from 'tldts';
import { badRequest } from '../errors/index.js';
import { canonicalDnsLabel, canonicalDnsName, checkTopLabel, MAX_DNS_LABEL_LENGTH, MAX_DNS_NAME_LENGTH, type Refuse } from '../x509/san.js';

/**
 * DNS names as profiles see them, and the `allowed_domains` rules they are matched against.
 *
 * Everything is compared in one canonical form: lower case, IDNs as A-labels (punycode), no
 * trailing dot. Requested names and rules go through the same normalisation, so "Bücher.Example.ORG."
 * and "xn--bcher-kva.example.org" are the same name to every rule.
 */

/** `rule` says which check failed: 'syntax' for a malformed name, 'public_suffix' for a wildcard over a public suffix. */
const invalid = (input: string, why: string, rule: 'syntax' | 'public_suffix' = 'syntax') =>
  badRequest('NAME_INVALID', `"${input}" is not a valid DNS name: ${why}.`, { rule, name: input });

/** Rules are refused with the same code, naming the profile field they came from. */
const ruleInvalid = (input: string, why: string) =>
  badRequest('NAME_INVALID', `"${input}" is not a valid allowed_domains rule: ${why}.`, { rule: 'allowed_domains', name: input });

/** One trailing dot (the DNS root) is dropped; two would leave an empty label, which is refused. */
const stripRootDot = (name: string) => (name.endsWith('.') ? name.slice(0, -1) : name);

/**
 * True when `name` is itself a public suffix: an ICANN one ("com", "co.uk") or one from the
 * list's private section ("github.io", "s3.amazonaws.com"). Private entries count because a
 * wildcard right over one ("*.github.io") would cover every unrelated tenant of that platform,
 * which is exactly what the private section exists to prevent. Unknown top-level labels
 * ("internal", "local") count too: the list's implicit "*" rule makes them suffixes.
 */
export function isPublicSuffix(name: string): boolean {
  return getPublicSuffix(name, { allowPrivateDomains: true, extractHostname: false }) === name;
}

/**
 * Canonical form of a DNS name, or NAME_INVALID. A wildcard is allowed only as the whole
 * leftmost label ("*.example.org"), never as part of a label ("a*.example.org"), never deeper
 * ("foo.*.example.org", "*.*.example.org"), and never directly over a public suffix ("*.co.uk").
 */
export function normaliseDnsName(input: string): string {
  return canonicalName(input, (why) => invalid(input, why));
}

function canonicalName(input: string, refuse: Refuse): string {
  const full = canonicalDnsName(input, refuse);
  if (isWildcard(full) && isPublicSuffix(full.slice(2))) throw invalid(input, `a wildcard may not cover the public suffix "${full.slice(2)}"`, 'public_suffix');
  return full;
}

export const isWildcard = (name: string) => name.startsWith('*.');

export type DomainRule =
  /** "example.org": that name only. */
  | { kind: 'exact'; value: string }
  /** ".example.org": any name strictly under example.org, not example.org itself (Vault allow_subdomains). */
  | { kind: 'subdomain'; value: string }
  /**
   * "*.svc.example.org", "host-*.example.org": '*' matches any run of characters, dots included,
   * the empty run too (Vault allow_glob_domains, ryanuber/go-glob). So "*.svc.example.org" also
   * matches "a.b.svc.example.org"; write ".svc.example.org" for the same, or use no glob.
   */
  | { kind: 'glob'; value: string };

/** Parses one `allowed_domains` entry into its canonical rule; NAME_INVALID with rule 'allowed_domains' otherwise. */
export function parseDomainRule(input: string): DomainRule {
  const refuse = (why: string) => ruleInvalid(input, why);
  if (input.includes('*')) return { kind: 'glob', value: normaliseGlob(input, refuse) };
  if (input.startsWith('.')) {
    if (input.length === 1) throw refuse('"." alone would allow every name; use allow_any_name');
    return { kind: 'subdomain', value: `.${canonicalName(input.slice(1), refuse)}` };
  }
  return { kind: 'exact', value: canonicalName(input, refuse) };
}

/** The canonical string of a rule, as stored in a profile. */
export const normaliseDomainRule = (input: string): string => parseDomainRule(input).value;

/** Glob labels holding '*' keep [a-z0-9*-]; the others are ordinary labels (IDNs become A-labels). */
function normaliseGlob(input: string, refuse: Refuse): string {
  const name = stripRootDot(input);
  if (/^[*.]*$/.test(name)) throw refuse('a glob of only "*" and dots would allow every name; use allow_any_name');
  if (name.startsWith('.')) throw refuse('a glob cannot also be a ".domain" rule; "*.domain" already matches every name under it');
  const labels = name.split('.').map((label) => {
    if (label.includes('*')) {
      const lower = label.toLowerCase();
      if (!/^[a-z0-9*-]+$/.test(lower)) throw refuse(`glob label "${label}" may only have letters, digits, hyphens and "*"`);
      if (lower.length > MAX_DNS_LABEL_LENGTH) throw refuse(`label "${label.slice(0, 20)}…" is longer than ${MAX_DNS_LABEL_LENGTH} characters`);
      return lower;
    }
    return canonicalDnsLabel(label, refuse);
  });
  const top = labels[labels.length - 1];
  if (!top.includes('*')) checkTopLabel(top, refuse);
  const out = labels.join('.');
  if (out.length > MAX_DNS_NAME_LENGTH) throw refuse(`longer than ${MAX_DNS_NAME_LENGTH} characters`);
  return out;
}

/**
 * Shell-style match where '*' is any run of characters (possibly empty) and everything else is
 * literal. Iterative with one backtrack point, so O(pattern × text) at worst: no regex, no ReDoS.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whether one canonical name is allowed by one rule. A wildcard name "*.B" is matched as the
 * literal string, which gives the intended meaning for each kind of rule:
 * - exact: never (exact rules hold no '*'; list "*.B" and it is a glob that matches itself);
 * - subdomain ".D": "*.B" ends with ".D" exactly when B is D or under D, i.e. when every
 *   "x.B" the wildcard stands for is strictly under D;
 * - glob: the name's literal '*' can only be consumed by a glob '*', which would consume any
 *   label in its place, so a match of "*.B" implies a match of every "x.B".
 */
export function ruleAllows(rule: DomainRule, name: string): boolean {
  switch (rule.kind) {
    case 'exact':
      return name === rule.value;
    case 'subdomain':
      return name.endsWith(rule.value);
    case 'glob':
      return globMatch(rule.value, name);
  }
}

/** The first rule that allows a canonical name, or undefined. */
export function matchingRule(name: string, rules: readonly DomainRule[]): DomainRule | undefined {
  return rules.find((r) => ruleAllows(r, name));
}
