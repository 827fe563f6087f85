/**
 * One local Lambda execution environment for a queue-triggered function: a process of its own that
 * loads the function's bundle once and runs one event at a time, as a Lambda container does. Being
 * a process (not a worker thread of serverless-offline) is what lets the event source kill it in
 * the middle of a job, as a crash or a Lambda timeout would, and start a fresh one (a cold start).
 *
 * Run by dev/lambda/functionPool.ts: `node runtime.ts <bundle file> <export name> <function name>`.
 * Plain Node (type stripping), no imports of the project: it must load nothing but the bundle.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

interface Invocation {
  id: number;
  event: unknown;
  deadline: number;
}

type Handler = (event: unknown, context: object) => Promise<unknown>;

const [file, exportName, functionName] = process.argv.slice(2);
const send = (message: object) => process.send?.(message);

function describe(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

let handler: Handler;
try {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  if (typeof mod[exportName] !== 'function') throw new Error(`${file} exports no function ${exportName}`);
  handler = mod[exportName] as Handler;
} catch (e) {
  send({ ready: false, error: describe(e) });
  process.exit(1);
}

process.on('message', async (m: Invocation) => {
  const context = {
    functionName,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, m.deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    send({ id: m.id, ok: true, result: (await handler(m.event, context)) ?? null });
  } catch (e) {
    send({ id: m.id, ok: false, error: describe(e) });
  }
});
// The event source stops a runtime by disconnecting (or killing it, for a crash).
process.on('disconnect', () => process.exit(0));
send({ ready: true });
