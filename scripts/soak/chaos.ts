/**
 * The soak's faults: the modes of the fault proxies in front of the worker's Keystone, Barbican and
 * DynamoDB, and the killer that stops a busy worker process now and then, as a crashed Lambda.
 */
import { DYNAMODB_THROTTLE, type FaultMode } from '../../dev/faults/proxy.js';
import type { Stack } from '../stack.js';

/** OpenStack services answering 5xx, slowly, or dropping the connection. */
const OPENSTACK: FaultMode = { errorRate: 0.05, errorStatus: 503, resetRate: 0.02, delayRate: 0.05, delayMs: 1500 };
/** DynamoDB throttling (the SDK retries it) and requests slow enough to hit the client's timeout. */
const DYNAMODB: FaultMode = { ...DYNAMODB_THROTTLE, errorRate: 0.04, resetRate: 0.01, delayRate: 0.02, delayMs: 6000 };

export function injectFaults(stack: Stack): void {
  const proxies = stack.faults?.proxies ?? {};
  if (proxies.keystone) proxies.keystone.mode = OPENSTACK;
  if (proxies.barbican) proxies.barbican.mode = OPENSTACK;
  if (proxies.dynamodb) proxies.dynamodb.mode = DYNAMODB;
}

export function clearFaults(stack: Stack): void {
  for (const p of Object.values(stack.faults?.proxies ?? {})) p.mode = {};
}

/** Kills a busy worker process every `everyMs` or so (jittered); returns the stopper. */
export function startKiller(stack: Stack, everyMs: number, random: () => number): { stop(): void; kills(): number } {
  let kills = 0;
  let timer: NodeJS.Timeout;
  const next = () => {
    timer = setTimeout(() => {
      if (stack.queues.pool('worker')?.killBusy()) kills++;
      next();
    }, everyMs / 2 + random() * everyMs);
  };
  next();
  return { stop: () => clearTimeout(timer), kills: () => kills };
}
