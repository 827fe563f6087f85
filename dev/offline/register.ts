/**
 * `node --import dev/offline/register.ts osls offline start`: serverless-offline runs its functions
 * in the containers of dev/offline/pool.ts instead of its own pool (why: dev/offline/containers.ts).
 * In the main thread only: the functions' worker threads inherit the flag and need nothing of it.
 */
import { registerHooks } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const POOL = new URL('./pool.ts', import.meta.url).href;

if (isMainThread) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === './LambdaFunctionPool.js' && context.parentURL?.endsWith('/serverless-offline/src/lambda/Lambda.js')) {
        return { url: `${POOL}?offline=${encodeURIComponent(context.parentURL)}`, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}
