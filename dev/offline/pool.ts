/**
 * Stands in for serverless-offline's LambdaFunctionPool (src/lambda/LambdaFunctionPool.js) in the
 * local stack's osls process (dev/offline/register.ts swaps it in): the same interface, with the
 * containers of dev/offline/containers.ts. The URL it is loaded by names the serverless-offline
 * module that asked for it (`?offline=`), whose own LambdaFunction it runs.
 */
import type { Container, Containers as ContainersType } from './containers.js';

// By URL: Node's type stripping resolves no `.js` specifier to a `.ts` file, and tsc takes no `.ts` one.
const { Containers } = (await import(new URL('./containers.ts', import.meta.url).href)) as typeof import('./containers.js');

const offline = new URL(import.meta.url).searchParams.get('offline');
if (!offline) throw new Error('dev/offline/pool.ts is loaded by dev/offline/register.ts, in place of serverless-offline\'s pool');
type LambdaFunctionClass = new (functionKey: string, definition: unknown, serverless: unknown, options: unknown) => Container;
const { default: LambdaFunction } = (await import(new URL('./LambdaFunction.js', offline).href)) as { default: LambdaFunctionClass };
const { LambdaTimeoutError } = (await import(new URL('../errors/index.js', offline).href)) as { LambdaTimeoutError: new () => Error };

/** What serverless-offline's callers do with what `get` returns (HTTP events, the invoke API, schedules). */
class Invocation {
  #event: unknown;
  #clientContext: unknown = null;
  readonly #run: (event: unknown, clientContext: unknown) => Promise<unknown>;

  constructor(run: (event: unknown, clientContext: unknown) => Promise<unknown>) {
    this.#run = run;
  }

  setEvent(event: unknown): void {
    this.#event = event;
  }

  setClientContext(clientContext: unknown): void {
    this.#clientContext = clientContext;
  }

  runHandler(): Promise<unknown> {
    return this.#run(this.#event, this.#clientContext);
  }
}

export default class LambdaFunctionPool {
  readonly #containers: ContainersType;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(serverless: unknown, options: { terminateIdleLambdaTime: number }) {
    this.#idleMs = options.terminateIdleLambdaTime * 1000;
    this.#containers = new Containers(
      (functionKey, definition) => new LambdaFunction(functionKey, definition, serverless, options),
      (e) => e instanceof LambdaTimeoutError,
    );
  }

  /** As upstream: containers idle for terminateIdleLambdaTime are ended. */
  start(): void {
    this.#timer = setTimeout(async () => {
      await end(this.#containers.takeIdle(this.#idleMs));
      this.start();
    }, this.#idleMs);
    this.#timer.unref();
  }

  async cleanup(): Promise<void> {
    clearTimeout(this.#timer);
    await end(this.#containers.takeAll());
  }

  get(functionKey: string, definition: unknown): Invocation {
    return new Invocation((event, clientContext) => this.#containers.run(functionKey, definition, event, clientContext));
  }
}

/** A container still loading, or one a timeout already ended, may fail to end: it is gone either way. */
const end = (containers: Container[]) => Promise.all(containers.map((c) => c.cleanup().catch(() => undefined)));
