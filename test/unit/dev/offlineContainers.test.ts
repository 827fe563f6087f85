import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Containers, type Container } from '../../../dev/offline/containers.js';

/** A container whose invocations end when the test says so. */
class FakeContainer implements Container {
  static made: FakeContainer[] = [];
  readonly runs: Array<{ event: unknown; end: (v: unknown) => void; fail: (e: unknown) => void }> = [];
  idleTimeInMillis = 0;
  ended = false;
  #event: unknown;
  constructor() {
    FakeContainer.made.push(this);
  }
  setEvent(event: unknown) {
    this.#event = event;
  }
  setClientContext() {}
  runHandler() {
    return new Promise((end, fail) => this.runs.push({ event: this.#event, end, fail }));
  }
  async cleanup() {
    this.ended = true;
  }
}
class Timeout extends Error {}

const settle = () => new Promise((r) => setImmediate(r));
function pool() {
  FakeContainer.made = [];
  return new Containers(() => new FakeContainer(), (e) => e instanceof Timeout);
}

describe('the local containers of serverless-offline (dev/offline)', () => {
  it('starts one container for a burst at a cold function; the others wait for it, then the pool grows one cold start at a time', async () => {
    const c = pool();
    const answers = Array.from({ length: 6 }, (_, i) => c.run('get', {}, i, null));
    await settle();
    expect(FakeContainer.made).toHaveLength(1);
    const [first] = FakeContainer.made;
    first.runs[0].end('a0');
    await settle();
    // The first container takes a waiter; a second one starts for the next.
    expect(FakeContainer.made).toHaveLength(2);
    expect(first.runs).toHaveLength(2);
    // Every invocation gets an answer, whichever container ran it.
    for (let round = 0; round < 6; round++) {
      for (const k of FakeContainer.made) for (const r of k.runs.splice(0)) r.end(`a${String(r.event)}`);
      await settle();
    }
    expect(await Promise.all(answers)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(FakeContainer.made.length).toBeLessThanOrEqual(3);
    expect(c.count('get')).toBe(FakeContainer.made.length);
  });

  it('reuses a free container, and starts another when the warm ones are busy and none is starting (as Lambda scales)', async () => {
    const c = pool();
    const one = c.run('get', {}, 1, null);
    await settle();
    FakeContainer.made[0].runs[0].end('x');
    await one;
    const busy = c.run('get', {}, 2, null);
    await settle();
    expect(FakeContainer.made).toHaveLength(1);
    const beside = c.run('get', {}, 3, null);
    await settle();
    expect(FakeContainer.made).toHaveLength(2);
    FakeContainer.made[0].runs[1].end('y');
    FakeContainer.made[1].runs[0].end('z');
    expect([await busy, await beside]).toEqual(['y', 'z']);
  });

  it('keeps functions apart: a cold start of one does not hold up another', async () => {
    const c = pool();
    void c.run('a', {}, 1, null);
    void c.run('b', {}, 1, null);
    await settle();
    expect(FakeContainer.made).toHaveLength(2);
  });

  it('drops a container after a timeout (serverless-offline ended its thread) and starts a fresh one for the next request', async () => {
    const c = pool();
    const late = c.run('get', {}, 1, null);
    const next = c.run('get', {}, 2, null);
    await settle();
    FakeContainer.made[0].runs[0].fail(new Timeout());
    await expect(late).rejects.toBeInstanceOf(Timeout);
    await settle();
    expect(FakeContainer.made).toHaveLength(2);
    expect(c.count('get')).toBe(1);
    FakeContainer.made[1].runs[0].end('fresh');
    expect(await next).toBe('fresh');
  });

  it('keeps a container after the handler\'s own error', async () => {
    const c = pool();
    const failing = c.run('get', {}, 1, null);
    await settle();
    FakeContainer.made[0].runs[0].fail(new Error('handler'));
    await expect(failing).rejects.toThrow('handler');
    const again = c.run('get', {}, 2, null);
    await settle();
    expect(FakeContainer.made).toHaveLength(1);
    FakeContainer.made[0].runs[1].end('ok');
    expect(await again).toBe('ok');
  });

  it('after a rebuild (takeAll), runs what waited in a new container, and reuses none of the old ones', async () => {
    const c = pool();
    const first = c.run('get', {}, 1, null);
    const waiting = c.run('get', {}, 2, null);
    await settle();
    const [old] = FakeContainer.made;
    expect(c.takeAll()).toEqual([old]);
    await settle();
    expect(FakeContainer.made).toHaveLength(2);
    FakeContainer.made[1].runs[0].end('new');
    expect(await waiting).toBe('new');
    old.runs[0].end('old');
    await first;
    const after = c.run('get', {}, 3, null);
    await settle();
    expect(old.runs).toHaveLength(1);
    FakeContainer.made[1].runs[1].end('again');
    expect(await after).toBe('again');
  });

  it('hands over the containers idle long enough (terminateIdleLambdaTime), and all of them at shutdown', async () => {
    const c = pool();
    const runs = [c.run('get', {}, 1, null), c.run('other', {}, 1, null)];
    await settle();
    for (const k of FakeContainer.made) k.runs[0].end('x');
    await Promise.all(runs);
    FakeContainer.made[0].idleTimeInMillis = 60_000;
    expect(c.takeIdle(60_000)).toEqual([FakeContainer.made[0]]);
    expect(c.count('get')).toBe(0);
    expect(c.takeAll()).toEqual([FakeContainer.made[1]]);
  });
});

describe('the installed serverless-offline, which dev/offline/register.ts swaps the pool of', () => {
  const src = join(dirname(createRequire(import.meta.url).resolve('serverless-offline')), 'lambda');
  it('imports its pool as dev/offline/register.ts expects, and its LambdaFunction offers what dev/offline/containers.ts uses', async () => {
    expect(readFileSync(join(src, 'Lambda.js'), 'utf8')).toContain('import LambdaFunctionPool from "./LambdaFunctionPool.js"');
    const { default: LambdaFunction } = (await import(join(src, 'LambdaFunction.js'))) as { default: { prototype: object } };
    for (const m of ['setEvent', 'setClientContext', 'runHandler', 'cleanup', 'idleTimeInMillis']) expect(Object.getOwnPropertyNames(LambdaFunction.prototype)).toContain(m);
    const { LambdaTimeoutError } = (await import(join(src, '..', 'errors', 'index.js'))) as { LambdaTimeoutError: unknown };
    expect(typeof LambdaTimeoutError).toBe('function');
  });

  it('does nothing else with what the pool gives than set the event and client context and run it', () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.js') && e.name !== 'LambdaFunctionPool.js') for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(/\b(?:lambdaFunction|authorizerFunction)\.(\w+)/g)) used.add(m[1]);
      }
    };
    walk(join(src, '..'));
    expect([...used].sort()).toEqual(['runHandler', 'setClientContext', 'setEvent']);
  });
});
