/**
 * The execution environments of one queue-triggered function: up to `concurrency` runtime
 * processes (dev/lambda/runtime.ts), each running one event at a time. An invocation that outlives
 * the function's timeout is killed, as Lambda kills it; a runtime that dies is replaced by a fresh
 * one on the next invocation. `killBusy` is the fault injector's "the container died mid-job".
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FunctionSpec {
  /** The deployed name (service-stage-key), as the function sees it in its context. */
  name: string;
  /** The built bundle and the handler's export name in it. */
  file: string;
  exportName: string;
  /** The bundle's service directory: the function's working directory, as on Lambda's /var/task. */
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  concurrency: number;
  /** Where the function's output goes: the stack's log file, or the terminal. */
  output: number | 'inherit';
}

/** Why an invocation gave no answer: the event source then deletes nothing (the batch comes back). */
export class InvocationError extends Error {
  constructor(
    readonly reason: 'crashed' | 'timed out' | 'function error' | 'init failed',
    message: string,
  ) {
    super(message);
  }
}

interface Answer {
  id?: number;
  ok?: boolean;
  ready?: boolean;
  result?: unknown;
  error?: { name: string; message: string };
}

const RUNTIME = fileURLToPath(new URL('./runtime.ts', import.meta.url));

class Runtime {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  private pending?: { id: number; ok: (v: unknown) => void; fail: (e: InvocationError) => void };

  constructor(spec: FunctionSpec) {
    this.child = fork(RUNTIME, [spec.file, spec.exportName, spec.name], { cwd: spec.cwd, env: spec.env, execArgv: [], stdio: ['ignore', spec.output, spec.output, 'ipc'] });
    this.ready = new Promise((ok, fail) => {
      this.child.once('message', (m: Answer) => (m.ready ? ok() : fail(new InvocationError('init failed', `${spec.name}: ${m.error?.message ?? 'the runtime did not start'}`))));
      this.child.once('exit', () => fail(new InvocationError('init failed', `${spec.name}: the runtime exited while starting`)));
    });
    this.ready.catch(() => undefined);
    this.child.on('message', (m: Answer) => {
      if (m.id === undefined || m.id !== this.pending?.id) return;
      const p = this.pending;
      this.pending = undefined;
      if (m.ok) p.ok(m.result);
      else p.fail(new InvocationError('function error', `${m.error?.name}: ${m.error?.message}`));
    });
    this.child.on('exit', (code, signal) => {
      this.dead = true;
      this.pending?.fail(new InvocationError('crashed', `the runtime died (${signal ?? `exit ${code}`}) during the invocation`));
      this.pending = undefined;
    });
  }

  run(id: number, event: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        fail(new InvocationError('timed out', `the invocation ran past its ${timeoutMs / 1000} s timeout`));
      }, timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.pending = { id, ok: done(ok), fail: done(fail) };
      this.child.send({ id, event, deadline: Date.now() + timeoutMs });
    });
  }

  /** Dead from now on (not when the exit arrives): the pool must not hand it the next invocation. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.child.kill('SIGKILL');
  }
}

export class FunctionPool {
  private readonly runtimes: Runtime[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;
  private stopped = false;
  /** `runMs`: time inside handlers, warm invocations' init excluded (what Lambda bills per request, about). */
  readonly stats = { invocations: 0, coldStarts: 0, crashes: 0, timeouts: 0, functionErrors: 0, killed: 0, runMs: 0 };

  constructor(readonly spec: FunctionSpec) {}

  async invoke(event: unknown): Promise<unknown> {
    const runtime = await this.take();
    this.stats.invocations++;
    try {
      await runtime.ready;
      const t0 = performance.now();
      try {
        return await runtime.run(this.nextId++, event, this.spec.timeoutMs);
      } finally {
        this.stats.runMs += performance.now() - t0;
      }
    } catch (e) {
      if (e instanceof InvocationError) {
        if (e.reason === 'crashed') this.stats.crashes++;
        if (e.reason === 'timed out') this.stats.timeouts++;
        if (e.reason === 'function error') this.stats.functionErrors++;
      }
      throw e;
    } finally {
      runtime.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** Kills one runtime that is running an invocation (a container dying mid-job); false if none is. */
  killBusy(): boolean {
    const busy = this.runtimes.filter((r) => r.busy && !r.dead);
    if (busy.length === 0) return false;
    busy[Math.floor(Math.random() * busy.length)].kill();
    this.stats.killed++;
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.runtimes) r.kill();
    this.runtimes.length = 0;
  }

  private async take(): Promise<Runtime> {
    for (;;) {
      if (this.stopped) throw new InvocationError('crashed', `${this.spec.name}: the event source is stopping`);
      for (let i = this.runtimes.length - 1; i >= 0; i--) if (this.runtimes[i].dead) this.runtimes.splice(i, 1);
      const idle = this.runtimes.find((r) => !r.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.runtimes.length < this.spec.concurrency) {
        const fresh = new Runtime(this.spec);
        this.stats.coldStarts++;
        fresh.busy = true;
        this.runtimes.push(fresh);
        return fresh;
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }
}
