/**
 * The containers (execution environments) of the functions serverless-offline serves, with the
 * rule it lacks: one cold start at a time per function. Upstream starts a new container (a worker
 * thread that loads the function's whole bundle) for every request that finds none idle. On AWS a
 * container has a CPU of its own, so scaling out costs nothing to those already running; here all
 * of them share the machine's cores, so a burst at a cold function starts dozens of containers
 * whose bundle loads (~200 ms of CPU each) slow down one another and the running ones, and the
 * requests that arrive meanwhile start more: at 50 requests a second the bench's cold GET route
 * went from 1 to 100 containers and never came back (p50 7 s, most requests timed out).
 *
 * Here a request that finds every container busy starts one only if none of that function is
 * starting; otherwise it waits for the first container to come free, the starting one included.
 * Under a steady load the pool still grows to what the load needs, one container per cold start.
 * Plain Node (type stripping): serverless-offline's process loads it as it is (dev/offline/register.ts).
 */

/** What a container must offer: serverless-offline's LambdaFunction. */
export interface Container {
  setEvent(event: unknown): void;
  setClientContext(clientContext: unknown): void;
  runHandler(): Promise<unknown>;
  cleanup(): Promise<unknown>;
  readonly idleTimeInMillis: number;
}

interface FunctionContainers {
  /** Free containers, the most recently used last (taken first: it is the warmest). */
  idle: Container[];
  all: Set<Container>;
  starting: boolean;
  waiting: Array<() => void>;
  /** Taken out by takeAll (shutdown, or a rebuild in `npm start`): what it ran is not reused. */
  retired: boolean;
}

export class Containers {
  readonly #functions = new Map<string, FunctionContainers>();
  readonly #make: (functionKey: string, definition: unknown) => Container;
  /** True for an error after which the container is gone (a timeout: serverless-offline has ended its thread). */
  readonly #fatal: (e: unknown) => boolean;

  constructor(make: (functionKey: string, definition: unknown) => Container, fatal: (e: unknown) => boolean) {
    this.#make = make;
    this.#fatal = fatal;
  }

  /** Runs one invocation in a free container of the function, or a new one, or the first to come free. */
  async run(functionKey: string, definition: unknown, event: unknown, clientContext: unknown): Promise<unknown> {
    let fn = this.#of(functionKey);
    let container = fn.idle.pop();
    let cold = false;
    while (!container) {
      if (!fn.starting) {
        fn.starting = cold = true;
        container = this.#make(functionKey, definition);
        fn.all.add(container);
      } else {
        const asleep = fn;
        await new Promise<void>((wake) => asleep.waiting.push(wake));
        // After a rebuild the function's containers are new ones.
        fn = this.#of(functionKey);
        container = fn.idle.pop();
      }
    }
    const home = fn;
    let gone = false;
    try {
      container.setClientContext(clientContext);
      container.setEvent(event);
      return await container.runHandler();
    } catch (e) {
      gone = this.#fatal(e);
      throw e;
    } finally {
      if (cold) home.starting = false;
      if (gone || home.retired) home.all.delete(container);
      else home.idle.push(container);
      this.#wake(home);
    }
  }

  /** Containers idle for at least `ms`, taken out of the pool: the caller ends them. */
  takeIdle(ms: number): Container[] {
    const out: Container[] = [];
    for (const fn of this.#functions.values()) {
      const keep = fn.idle.filter((c) => c.idleTimeInMillis < ms);
      for (const c of fn.idle) if (!keep.includes(c)) (out.push(c), fn.all.delete(c));
      fn.idle = keep;
    }
    return out;
  }

  /**
   * Every container, taken out of the pool: serverless-offline's shutdown, and its cleanup after
   * serverless-esbuild rebuilt the functions (`npm start`). Requests waiting go on with new containers.
   */
  takeAll(): Container[] {
    const out: Container[] = [];
    for (const fn of this.#functions.values()) {
      fn.retired = true;
      out.push(...fn.all);
    }
    const waiting = [...this.#functions.values()].flatMap((fn) => fn.waiting.splice(0));
    this.#functions.clear();
    for (const wake of waiting) wake();
    return out;
  }

  /** How many containers a function has (the tests, the bench). */
  count(functionKey: string): number {
    return this.#functions.get(functionKey)?.all.size ?? 0;
  }

  #of(functionKey: string): FunctionContainers {
    let fn = this.#functions.get(functionKey);
    if (!fn) this.#functions.set(functionKey, (fn = { idle: [], all: new Set(), starting: false, waiting: [], retired: false }));
    return fn;
  }

  /** One waiter per free container, and one more to start the next container if none is starting. */
  #wake(fn: FunctionContainers): void {
    let n = fn.idle.length + (fn.starting ? 0 : 1);
    while (n-- > 0 && fn.waiting.length) fn.waiting.shift()!();
  }
}
