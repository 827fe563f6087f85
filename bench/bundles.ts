/**
 * Part 3 of `npm run bench`: what a function costs before it does any work. The size of the
 * esbuild bundles serverless-esbuild makes (the same options for `osls package` and for
 * serverless-offline), and the worker's cold start: a fresh `node` importing the bundle, alone in
 * a directory as in its deployment zip, and running one invocation with an empty SQS event.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from './pipeline.js';

export interface BundleSize {
  file: string;
  bytes: number;
  /** gzip -6 of the bundle: about what it weighs in the deployment zip (deflate). */
  gzipBytes: number;
  mapBytes: number;
  /** Source files esbuild put in (its metafile), when there is one. */
  inputs?: number;
}

export function bundleSize(file: string): BundleSize {
  const code = readFileSync(file);
  const meta = file.replace(/\.mjs$/, '-meta.json');
  return {
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0,
    inputs: existsSync(meta) ? Object.keys((JSON.parse(readFileSync(meta, 'utf8')) as { inputs: object }).inputs).length : undefined,
  };
}

/**
 * `osls package` of the project into a throwaway directory, for when no stack was started (the
 * stack's serverless-esbuild build is the same). Returns the esbuild build folder.
 */
export function packageBundles(root: string, workFolder: string): string {
  const out = mkdtempSync(join(tmpdir(), 'bench-package-'));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'local', '--package', out], {
      cwd: root,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: 'package-only', AWS_SECRET_ACCESS_KEY: 'package-only', ESBUILD_WORK_FOLDER: workFolder },
      stdio: 'pipe',
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return join(root, workFolder, '.build');
}

export interface ColdStart {
  /** From `import()` of the bundle to the end of the first invocation, inside the process. */
  importMs: number;
  invokeMs: number;
  /** import + first invocation. */
  coldMs: number;
  /** Node's own start, before the import (performance.now() at the first line). */
  nodeBootMs: number;
  /** spawn → exit of the whole process, as seen from outside. */
  processMs: number;
  /** process.memoryUsage().rss after the invocation. */
  rssBytes: number;
  result: unknown;
}

const PROBE = `
const t0 = performance.now();
const m = await import(process.env.BENCH_BUNDLE_URL);
const t1 = performance.now();
const result = await m[process.env.BENCH_HANDLER ?? 'handler'](JSON.parse(process.env.BENCH_EVENT ?? '{"Records":[]}'), { getRemainingTimeInMillis: () => 30000, awsRequestId: 'bench-cold-start' });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ nodeBootMs: t0, importMs: t1 - t0, invokeMs: t2 - t1, rssBytes: process.memoryUsage().rss, result }) + '\\n');
`;

/**
 * Cold starts of `bundle` (its handler called with `event`, an empty SQS batch unless given) in `runs` fresh processes,
 * medians. The bundle and its source map are copied alone into a new directory first, as in the
 * function's zip, so nothing from node_modules can be picked up. `env` is the function's own
 * environment (NODE_OPTIONS included); nothing else of this process is passed on.
 */
export async function coldStart(bundle: string, env: Record<string, string>, runs = 5, handler = 'handler', event: unknown = { Records: [] }): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const file = join(dir, basename(bundle));
    copyFileSync(bundle, file);
    if (existsSync(`${bundle}.map`)) copyFileSync(`${bundle}.map`, `${file}.map`);
    const samples: ColdStart[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, BENCH_BUNDLE_URL: pathToFileURL(file).href, BENCH_HANDLER: handler, BENCH_EVENT: JSON.stringify(event) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      });
      const processMs = performance.now() - t0;
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) throw new Error(`cold start of ${basename(bundle)} failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
      const r = JSON.parse(line) as Omit<ColdStart, 'coldMs' | 'processMs'>;
      samples.push({ ...r, coldMs: r.importMs + r.invokeMs, processMs });
    }
    const med = (k: keyof ColdStart) => median(samples.map((s) => s[k] as number));
    return { importMs: med('importMs'), invokeMs: med('invokeMs'), coldMs: med('coldMs'), nodeBootMs: med('nodeBootMs'), processMs: med('processMs'), rssBytes: med('rssBytes'), result: samples[0].result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
