import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { currentDocument, ROOT } from '../../../lib/openapi/index.js';

let doc: any;
beforeAll(async () => {
  doc = await currentDocument();
});

const METHODS = ['get', 'put', 'post', 'delete', 'head', 'x-amazon-apigateway-any-method'];
const operations = () => Object.values(doc.paths).flatMap((item: any) => METHODS.filter((m) => item[m]).map((m) => item[m]));
const resolve = (r: any) => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r);

/** Error codes the document lists in its answers, by status. */
function httpCodes(): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const op of operations()) {
    for (const response of Object.values(op.responses) as any[]) {
      const error = resolve(response).content?.['application/json']?.schema?.allOf?.[1]?.properties?.error?.properties;
      if (!error) continue;
      const set = out.get(error.status.const) ?? new Set<string>();
      for (const code of error.code.enum) set.add(code);
      out.set(error.status.const, set);
    }
  }
  return out;
}
/** Every code the document names: in an error answer, or as a job's or an ACME problem's reason. */
const documentedCodes = () => new Set([...[...httpCodes().values()].flatMap((s) => [...s]), ...operations().flatMap((op) => op['x-reason-codes'] ?? [])]);

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });

/** The codes lib/ and functions/ throw as AppErrors: badRequest('CODE', notFound('CODE', new AppError('CODE', refuse('CODE', super('CODE'… */
function thrownCodes(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of [...tsFiles(join(ROOT, 'lib')), ...tsFiles(join(ROOT, 'functions'))]) {
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(/\b(?:badRequest|notFound|conflict|forbidden|unauthorized|unavailable|new AppError|refuse|super)\(\s*['`]([A-Z][A-Z0-9_]+)['`:]/g)) out.set(m[1], file.slice(ROOT.length + 1));
  }
  return out;
}

/** The README's error table: status → codes. */
function readmeCodes(): Map<string, Set<string>> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| Status | Codes |'), readme.indexOf('### Issuance profiles'));
  const out = new Map<string, Set<string>>();
  for (const line of table.split('\n').filter((l) => /^\| \d/.test(l))) {
    const status = line.split('|')[1].trim();
    // Parentheses explain (and name settings such as ACME_PUBLIC_KEY): the codes are outside them.
    out.set(status, new Set([...line.replace(/\([^()]*\)/g, '').matchAll(/`([A-Z][A-Z0-9_]+(?::<rule>)?)`/g)].map((m) => m[1])));
  }
  return out;
}

describe('error codes', () => {
  it('finds the codes the code throws', () => {
    const thrown = thrownCodes();
    for (const code of ['CA_NOT_FOUND', 'PROFILE_NAME_NOT_ALLOWED', 'CFSSL_SUBJECT_UNSUPPORTED', 'ISSUED_NOT_DECIDED', 'POLICY_DENIED', 'WEBHOOK_NOT_FOUND']) expect([...thrown.keys()]).toContain(code);
  });

  it('every code thrown in lib/ or functions/ is documented for some route', () => {
    const documented = documentedCodes();
    const missing = [...thrownCodes()].filter(([code]) => code !== 'POLICY_DENIED' && !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
    expect([...documented].some((c) => c.startsWith('POLICY_DENIED:'))).toBe(true);
  });

  it('every code of the README’s error table is in the document, under the same status', () => {
    const http = httpCodes();
    const readme = readmeCodes();
    expect(readme.size).toBeGreaterThan(5);
    for (const [status, codes] of readme) {
      for (const code of codes) {
        const statuses = status.split('/').map((s) => Number(s.trim()));
        if (code === 'POLICY_DENIED:<rule>') expect([...http.get(403)!].some((c) => c.startsWith('POLICY_DENIED:'))).toBe(true);
        else expect(statuses.some((s) => http.get(s)?.has(code)), `${status} ${code}`).toBe(true);
      }
    }
  });

  it('and every error code the document lists is in the README’s table', () => {
    const inReadme = new Set([...readmeCodes().values()].flatMap((s) => [...s]));
    const missing = [...httpCodes()].flatMap(([status, codes]) => [...codes].filter((c) => !c.startsWith('POLICY_DENIED:') && !inReadme.has(c)).map((c) => `${status} ${c}`));
    expect(missing).toEqual([]);
  });

  it('every 4xx and 5xx answer of the API has the one error shape', () => {
    for (const op of operations()) {
      for (const [status, response] of Object.entries(op.responses) as [string, any][]) {
        if (!/^[45]/.test(status)) continue;
        const content = resolve(response).content;
        if (content['application/problem+json']) expect(content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/AcmeProblem' });
        else expect(JSON.stringify(content['application/json'].schema)).toContain('"#/components/schemas/Error"');
      }
    }
  });
});
