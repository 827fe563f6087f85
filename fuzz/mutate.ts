import type { Rng } from '../test/support/prng.js';

/**
 * Seeded mutations of a valid JSON request body, at a random place in it: fields dropped, added or
 * of the wrong type, huge or odd strings, nulls, deep nesting, numbers out of range; and of its
 * text: truncated, invalid, empty, oversize. Each returns the text to send and a short name of
 * what it did (the summary counts by it).
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const MAX_TEXT = 1_000_000;

export interface Mutated {
  what: string;
  text: string;
}

const UNICODE = ['é', 'Ⅻ', '\u0000', '\u202e', '\ufeff', '\ud83d\udca9', '\ud800', 'ﬁ', 'Ａ', '\u0301', 'İ', '\u2028', '𝔘𝔫𝔦', 'ß', 'e\u0301', '\u00a0', '\t', '\r\n', '..', '../', '%00', '%s%n', "'; --", '<script>', '${x}', '{{x}}', '*', '*.', '.', 'xn--', 'localhost', '127.0.0.1', '::1'];
const NUMBERS = [-1, 0, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 63), 4294967296, 1e-320, 36501, 99999999999];
const KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'CN', 'csr', 'id', 'project_id', 'status', 'x'.repeat(300), 'é', 'toString', 'hasOwnProperty'];

/** Every place in `v`: [] is the root, ['a', 0] is v.a[0]. */
function places(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => places(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) places(x, [...at, k], out);
  return out;
}

function get(v: Json, at: (string | number)[]): Json {
  return at.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], v);
}

/** `v` with the value at `at` replaced by `f(old)` (undefined: removed). */
function replaced(v: Json, at: (string | number)[], f: (old: Json) => Json | undefined): Json | undefined {
  if (!at.length) return f(v);
  const copy: Json = structuredClone(v);
  const parent = get(copy, at.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = at[at.length - 1];
  const next = f((parent as Record<string | number, Json>)[key]);
  if (next === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, Json>)[key];
  } else (parent as Record<string | number, Json>)[key] = next;
  return copy;
}

function nested(depth: number, leaf: Json, rand: Rng): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = rand.chance(0.5) ? [v] : { a: v };
  return v;
}

/** A value of another JSON type than `old`. */
function otherType(rand: Rng, old: Json): Json {
  const all: Json[] = [null, true, 0, 1.5, '', 'x', [], {}, ['x'], { a: 1 }, '1', 'true', 'null'];
  const kinds = all.filter((x) => typeof x !== typeof old || Array.isArray(x) !== Array.isArray(old) || (x === null) !== (old === null));
  return structuredClone(rand.pick(kinds));
}

function oddString(rand: Rng, old: Json): string {
  const base = typeof old === 'string' ? old : 'x';
  switch (rand.int(5)) {
    case 0:
      return rand.pick(UNICODE);
    case 1:
      return base + rand.pick(UNICODE);
    case 2:
      return rand.pick(UNICODE) + base;
    case 3:
      return Array.from({ length: 1 + rand.int(40) }, () => rand.pick(UNICODE)).join('');
    default:
      return base.slice(0, rand.int(base.length + 1));
  }
}

const VALUE_MUTATIONS: Record<string, (rand: Rng, old: Json) => Json | undefined> = {
  'drop field': () => undefined,
  'wrong type': otherType,
  null: () => null,
  'odd string': oddString,
  'long string': (rand) => rand.pick(['x', 'é', 'a.', '\ud83d\udca9']).repeat(rand.pick([65, 256, 1025, 20_000])),
  'number out of range': (rand) => rand.pick(NUMBERS),
  'deep nesting': (rand, old) => nested(rand.pick([2, 64, 500]), old, rand),
  'big array': (rand, old) => Array.from({ length: rand.pick([101, 257, 2000]) }, () => (typeof old === 'string' ? old : Array.isArray(old) && old.length ? old[0] : 'x')),
  'empty container': (rand, old) => (Array.isArray(old) ? [] : typeof old === 'object' && old ? {} : rand.pick<Json>([[], {}])),
};

function addField(rand: Rng, body: Json, schemaKeys: string[]): Json {
  const objects = places(body).filter((at) => {
    const v = get(body, at);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  if (!objects.length) return body;
  const at = rand.pick(objects);
  const key = rand.chance(0.5) && schemaKeys.length ? rand.pick(schemaKeys) : rand.pick(KEYS);
  return replaced(body, at, (old) => ({ ...(old as Obj), [key]: rand.pick<Json>(['x', 1, null, true, [], { a: 1 }]) })) ?? body;
}

/** Raw text mutations: what no serializer would produce. */
const TEXT_MUTATIONS: Record<string, (rand: Rng, text: string, keys: string[]) => string> = {
  truncated: (rand, t) => t.slice(0, rand.int(Math.max(1, t.length))),
  'invalid JSON': (rand, t) => rand.pick([`${t},`, t.replace(/"/g, "'"), t.replace(/:/, ''), `${t}}`, `{${t}`, t.replace(/,/, ',,'), `\ufeff${t}`, t.replace(/}$/, ',}'), 'NaN', 'undefined', '{"a":1e999}', `${t}\u0000`, `[${t}]`.slice(1)]),
  'empty body': () => '',
  'not an object': (rand) => rand.pick(['null', '[]', '"x"', '1', 'true', '[{}]', '""', '-0']),
  'duplicate keys': (rand, t) => (t.startsWith('{') && t.length > 2 ? `{"${rand.pick(KEYS)}":{"polluted":true},${t.slice(1)}` : t),
  'oversize body': (rand, t) => `{"pad":"${'x'.repeat(rand.pick([65_537, 70_000, 300_000]))}",${t.slice(1)}`,
  // Deeper than a value could be built and serialized here: the parser meets it as text.
  'deep nesting text': (rand, t, keys) => {
    const n = rand.pick([1000, 10_000, 30_000]);
    const [open, close] = rand.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
    return t.startsWith('{') && t.length > 2 ? `{"${rand.pick(keys.length ? keys : KEYS)}":${open.repeat(n)}1${close.repeat(n)},${t.slice(1)}` : `${open.repeat(n)}1${close.repeat(n)}`;
  },
  'binary garbage': (rand) => String.fromCharCode(...Array.from({ length: 1 + rand.int(200) }, () => rand.int(256))),
};

/** One or two mutations of a valid body (`schemaKeys`: field names the schema knows, to add in the wrong place). */
export function mutateBody(rand: Rng, valid: Json, schemaKeys: string[] = []): Mutated {
  if (rand.chance(0.3)) {
    const [what, f] = rand.pick(Object.entries(TEXT_MUTATIONS));
    return { what, text: f(rand, JSON.stringify(valid), schemaKeys) };
  }
  let body: Json = valid;
  const whats: string[] = [];
  for (let n = 0, count = 1 + rand.int(2); n < count; n++) {
    if (rand.chance(0.15)) {
      body = addField(rand, body, schemaKeys);
      whats.push('add field');
      continue;
    }
    const [what, f] = rand.pick(Object.entries(VALUE_MUTATIONS));
    const all = places(body);
    // The root only for the type mutations: dropping the whole body is 'empty body' above.
    const at = rand.pick(all.length > 1 ? all.slice(1) : all);
    body = replaced(body, at, (old) => f(rand, old)) ?? body;
    whats.push(what);
  }
  const text = JSON.stringify(body);
  // Past 10 MB the API gateway (and the emulator) answers itself, before any function: not ours to fuzz.
  if (text.length > MAX_TEXT) return { what: 'oversize body', text: TEXT_MUTATIONS['oversize body'](rand, JSON.stringify(valid), schemaKeys) };
  return { what: whats.join(' + '), text };
}

export type { Json };
