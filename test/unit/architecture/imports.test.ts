// The codebase's rule "no import circles", checked over the relative imports (static, type-only and
// dynamic) of every .ts under lib/, functions/, dev/ and scripts/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCANNED = ['lib', 'functions', 'dev', 'scripts'];

/**
 * Circles known and being removed, each the exact set of files of one circle. A circle not listed
 * here, or one that grows beyond its entry, fails the test. Remove an entry once its circle is gone.
 */
const KNOWN_CIRCLES: readonly (readonly string[])[] = [];

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Comments removed (block comments, and line comments that start a line), so prose quoting an import is not one. */
const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** Every relative specifier: `from '...'` (import, import type, export ... from), `import '...'` and `import('...')`. */
function relativeSpecifiers(source: string): string[] {
  const text = withoutComments(source);
  const out: string[] = [];
  for (const re of [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of text.matchAll(re)) if (m[1].startsWith('./') || m[1].startsWith('../')) out.push(m[1]);
  }
  return out;
}

/** The .ts file a relative specifier names: `x.js` is `x.ts`, else `x/index.ts`; undefined for anything else (JSON, assets). */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.js$/, '');
  for (const candidate of [base.endsWith('.ts') ? base : `${stem}.ts`, join(stem, 'index.ts'), join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

type Graph = Map<string, Set<string>>;

function importGraph(): { graph: Graph; unresolved: string[] } {
  const files = SCANNED.flatMap((d) => tsFiles(join(ROOT, d)));
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of files) {
    const from = relative(ROOT, file);
    const edges = new Set<string>();
    for (const spec of relativeSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(file, spec);
      if (target) edges.add(relative(ROOT, target));
      else if (!/\.(json|py|sh|yml|yaml)$/.test(spec)) unresolved.push(`${from}: ${spec}`);
    }
    graph.set(from, edges);
  }
  return { graph, unresolved };
}

/** Tarjan's strongly connected components: the ones of two or more files, or of a file importing itself, are circles. */
function circles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** One circle through the component, as `a → b → … → a`, to name it in the failure. */
function describeCircle(graph: Graph, component: string[]): string {
  const members = new Set(component);
  const start = component[0];
  const path: string[] = [];
  const seen = new Set<string>();
  const walk = (v: string): boolean => {
    path.push(v);
    seen.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (w === start) return true;
      if (members.has(w) && !seen.has(w) && walk(w)) return true;
    }
    path.pop();
    return false;
  };
  walk(start);
  const loop = [...path, start].join(' → ');
  return component.length > path.length ? `${loop} (a circle of ${component.length} files: ${component.join(', ')})` : loop;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

describe('imports', () => {
  const { graph, unresolved } = importGraph();

  it('reads the import graph of lib, functions, dev and scripts', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('lib/drivers/index.ts')).toContain('lib/drivers/native.ts');
    // Dynamic imports count: the lazily loaded drivers are edges too.
    expect(graph.get('lib/drivers/index.ts')).toContain('lib/drivers/pkcs11.ts');
    expect(unresolved).toEqual([]);
  });

  it('finds a circle in a made-up graph', () => {
    const g: Graph = new Map([
      ['a.ts', new Set(['b.ts'])],
      ['b.ts', new Set(['c.ts'])],
      ['c.ts', new Set(['a.ts', 'd.ts'])],
      ['d.ts', new Set<string>()],
      ['e.ts', new Set(['e.ts'])],
    ]);
    const found = circles(g);
    expect(found).toEqual([['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
    expect(describeCircle(g, found[0])).toBe('a.ts → b.ts → c.ts → a.ts');
  });

  it('has no import circle but the known ones', () => {
    const unknown = circles(graph).filter((c) => !KNOWN_CIRCLES.some((k) => sameSet(k, c)));
    expect(unknown.map((c) => describeCircle(graph, c))).toEqual([]);
  });
});

describe('imports that bloat every bundle', () => {
  it("zod is imported as a namespace: `import { z } from 'zod'` brings every locale into the bundle (about 370 KB)", () => {
    const offenders = SCANNED.flatMap((d) => tsFiles(join(ROOT, d)))
      .filter((f) => /^import\s*\{\s*z\s*\}\s*from\s*['"]zod['"]/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
