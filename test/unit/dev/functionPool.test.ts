import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FunctionPool, InvocationError } from '../../../dev/lambda/functionPool.js';

/** The local Lambda runtimes: an answer comes back, a timeout or a kill is a failed invocation, and a fresh process replaces the dead one. */
const dir = mkdtempSync(join(tmpdir(), 'pool-'));
const file = join(dir, 'fn.mjs');
writeFileSync(file, `export const handler = async (e) => { if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep)); if (e.fail) throw new Error('boom'); return { pid: process.pid, echo: e.n }; };`);
const pool = new FunctionPool({ name: 'test-fn', file, exportName: 'handler', cwd: dir, env: {}, timeoutMs: 1500, concurrency: 1, output: 'inherit' });
afterAll(async () => {
  await pool.stop();
  rmSync(dir, { recursive: true, force: true });
});

const reason = (p: Promise<unknown>) => p.then(() => 'answered', (e: unknown) => (e instanceof InvocationError ? e.reason : String(e)));

describe('FunctionPool', () => {
  it('answers, reusing its warm process', async () => {
    const a = (await pool.invoke({ n: 1 })) as { pid: number; echo: number };
    const b = (await pool.invoke({ n: 2 })) as { pid: number; echo: number };
    expect([a.echo, b.echo]).toEqual([1, 2]);
    expect(b.pid).toBe(a.pid);
  });
  it('reports a thrown error as a function error', async () => {
    expect(await reason(pool.invoke({ fail: true }))).toBe('function error');
  });
  it('kills an invocation past its timeout, then starts a fresh process', async () => {
    const before = ((await pool.invoke({ n: 0 })) as { pid: number }).pid;
    expect(await reason(pool.invoke({ sleep: 10_000 }))).toBe('timed out');
    expect(((await pool.invoke({ n: 3 })) as { pid: number }).pid).not.toBe(before);
  });
  it('a busy process killed mid-job is a crash', async () => {
    const running = reason(pool.invoke({ sleep: 1000 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.killBusy()).toBe(true);
    expect(await running).toBe('crashed');
    expect(pool.stats.killed).toBe(1);
  });
});
