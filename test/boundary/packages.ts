import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipEntries } from '../support/zip.js';

/** What boundary.test.ts packaged: the project root, esbuild's work folder, the package folder and its template. */
export interface Packaged {
  root: string;
  work: string;
  out: string;
  template: { Resources: Record<string, { Type: string; Properties: any }> };
}

/**
 * The checks of the packaged bundles and zips (called from boundary.test.ts, which packages once):
 * what each API bundle holds, what each zip holds, their sizes, the runtime.
 */
export function describePackages(packaged: () => Packaged): void {
  const ctx = new Proxy({} as Packaged, { get: (_, k: keyof Packaged) => packaged()[k] });
  const ROOT = packaged().root;
  const WORK = packaged().work;
  describe('bundles: the API contains no keystore or driver code', () => {
    const meta = (fn: string) => JSON.parse(readFileSync(join(ROOT, WORK, '.build', 'functions', fn + '-meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    // The API's functions and the token-less enrollment front end.
    const apiFunctions = () => [
      ...readdirSync(join(ROOT, 'functions', 'api'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `api/${f.replace(/\.ts$/, '')}`),
      'enroll/handler',
    ];

    it('the enrollment front end is among the bundles checked', () => {
      expect(apiFunctions()).toContain('enroll/handler');
      expect(ctx.template.Resources.EnrollLambdaFunction.Properties.Handler).toBe('functions/enroll/handler.handler');
    });

    it('no API bundle takes a module of lib/keystore, lib/drivers or lib/worker, nor a Secrets Manager client', () => {
      const fns = apiFunctions();
      expect(fns.length).toBeGreaterThan(5);
      for (const fn of fns) {
        const inputs = Object.keys(meta(fn).inputs);
        expect(inputs.length, fn).toBeGreaterThan(10);
        expect(inputs.filter((i) => /lib\/(keystore|drivers|worker)\/|client-secrets-manager/.test(i)), fn).toEqual([]);
      }
    });

    it('no API bundle speaks the Barbican API', () => {
      for (const fn of apiFunctions()) {
        const code = readFileSync(join(ROOT, WORK, '.build', 'functions', `${fn}.mjs`), 'utf8');
        expect(code, fn).not.toMatch(/\/v1\/secrets|caKeySecretName|BarbicanClient/);
      }
    });

    it('the ACME and validator bundles take no keystore, driver, worker or Keystone code; the validator none to queue jobs', () => {
      for (const fn of ['acme/handler', 'validator/validate']) {
        const inputs = Object.keys(meta(fn).inputs);
        expect(inputs.length, fn).toBeGreaterThan(10);
        expect(inputs.filter((i) => /lib\/(keystore|drivers|worker|auth)\//.test(i)), fn).toEqual([]);
        expect(readFileSync(join(ROOT, WORK, '.build', 'functions', `${fn}.mjs`), 'utf8'), fn).not.toMatch(/\/v1\/secrets|caKeySecretName|BarbicanClient|\/v3\/auth\/tokens/);
      }
      expect(Object.keys(meta('validator/validate').inputs).filter((i) => /lib\/jobs\//.test(i))).toEqual([]);
      // The validator is the one that connects to tenant hosts: it does hold the VA.
      expect(Object.keys(meta('validator/validate').inputs).some((i) => i.includes('lib/va/'))).toBe(true);
      expect(Object.keys(meta('acme/handler').inputs).some((i) => i.includes('lib/va/'))).toBe(false);
    });

    it('the worker bundle does hold them (so the checks above can see them)', () => {
      const inputs = Object.keys(meta('worker/processJobs').inputs);
      expect(inputs.some((i) => i.includes('lib/keystore/'))).toBe(true);
      expect(inputs.some((i) => i.includes('lib/drivers/'))).toBe(true);
      expect(readFileSync(join(ROOT, WORK, '.build', 'functions', 'worker', 'processJobs.mjs'), 'utf8')).toMatch(/\/v1\/secrets/);
    });
  });

  describe('deployment packages', () => {
    const functions = () => Object.entries(ctx.template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function') as Array<[string, { Properties: { Handler: string; Code: { S3Key: string } } }]>;

    it("each function's zip holds its own bundle, its map and policy.json, nothing of another function", () => {
      expect(functions().length).toBeGreaterThan(30);
      for (const [name, fn] of functions()) {
        const bundle = fn.Properties.Handler.replace(/\.\w+$/, '.mjs');
        const names = zipEntries(join(ctx.out, fn.Properties.Code.S3Key.split('/').pop()!)).map((e) => e.name).sort();
        expect(names, name).toEqual([bundle, `${bundle}.map`, 'policy.json'].sort());
      }
    });

    it('every bundle is under 1 MB (minified, tree-shaken: a cold start loads all of it)', () => {
      for (const [name, fn] of functions()) {
        const bundle = fn.Properties.Handler.replace(/\.\w+$/, '.mjs');
        const entry = zipEntries(join(ctx.out, fn.Properties.Code.S3Key.split('/').pop()!)).find((e) => e.name === bundle);
        expect(entry?.size, name).toBeGreaterThan(100_000);
        expect(entry!.size, `${name}: ${bundle}`).toBeLessThan(1_000_000);
      }
    });
  });

  describe('runtime', () => {
    const functions = () => Object.entries(ctx.template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    it('every function deploys on nodejs24.x (Node 24 LTS), the Node the local stack and the tests run on', () => {
      expect(functions().length).toBeGreaterThan(10);
      for (const [name, fn] of functions()) expect(fn.Properties.Runtime, name).toBe('nodejs24.x');
      expect(process.versions.node.split('.')[0]).toBe('24');
    });
  });
}
