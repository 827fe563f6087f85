import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Check, RuleSet } from './checks.js';
import { DEFAULT_RULES } from './defaults.js';
import { parseRule } from './parse.js';

export class PolicyFileError extends Error {
  readonly code = 'POLICY_FILE_INVALID';
}

export interface Policy {
  rules: RuleSet;
  /** The effective rule texts (defaults merged with the file), for GET /v1/policies. */
  texts: Record<string, unknown>;
  source: string;
}

/** Compiles rule texts; any problem (syntax, unknown reference, a loop) refuses the whole set. */
export function compilePolicy(overrides: Record<string, unknown>, source = 'defaults'): Policy {
  const texts: Record<string, unknown> = { ...DEFAULT_RULES, ...overrides };
  const rules: RuleSet = {};
  const problems: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    const parsed = parseRule(text);
    rules[name] = parsed.check;
    problems.push(...parsed.problems.map((p) => `${name}: ${p}`));
  }
  for (const [name, check] of Object.entries(rules)) {
    for (const ref of check.refs ?? []) if (!(ref in rules)) problems.push(`${name}: refers to unknown rule "${ref}"`);
  }
  const loop = findLoop(rules);
  if (loop) problems.push(`rules refer to each other in a loop: ${loop.join(' -> ')}`);
  if (problems.length) throw new PolicyFileError(`${source} is not a valid policy: ${problems.join('; ')}`);
  return { rules, texts, source };
}

function findLoop(rules: Record<string, Check>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    for (const ref of rules[name]?.refs ?? []) {
      const loop = visit(ref, [...path, name]);
      if (loop) return loop;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(rules)) {
    const loop = visit(name, []);
    if (loop) return loop;
  }
  return undefined;
}

/** Reads policy.json or policy.yaml (the format follows the file name). */
export function readPolicyFile(path: string): Policy {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new PolicyFileError(`${path} cannot be read as ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyFileError(`${path} must map rule names to rules`);
  return compilePolicy(raw as Record<string, unknown>, path);
}

/**
 * The policy in force: defaults, overridden by the file if there is one, re-read when the file
 * changes (checked at most once a second). A file that breaks after startup keeps the last good
 * policy and says so in the log; at startup a bad file is fatal.
 */
export class PolicyStore {
  private current?: Policy;
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly path: string | undefined,
    private readonly onReloadError: (e: Error) => void = () => undefined,
  ) {}

  get(now = Date.now()): Policy {
    if (this.current && now - this.checkedAt < 1000) return this.current;
    this.checkedAt = now;
    const mtime = this.path ? fileMtime(this.path) : -1;
    if (this.current && mtime === this.mtimeMs) return this.current;
    try {
      this.current = this.path && mtime >= 0 ? readPolicyFile(this.path) : compilePolicy({});
      this.mtimeMs = mtime;
    } catch (e) {
      if (!this.current) throw e;
      this.onReloadError(e as Error);
      this.mtimeMs = mtime;
    }
    return this.current;
  }
}

function fileMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}
