/**
 * CPU time a local stack's processes used (Linux /proc), for the load bench's "what a request costs"
 * line: a route whose whole pipeline needs more CPU a second than the machine has cannot keep up
 * whatever the emulator does, and the figure says so. Three parts: serverless-offline's process (the
 * HTTP functions, in its worker threads), the queue functions' processes (dev/lambda), and this
 * process, which hosts dynalite, the SQS emulator, the development Keystone and Barbican, and the
 * load generator. The last is shared by both stacks the bench starts; it runs one stack at a time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Stack } from '../scripts/stack.js';

export interface StackCpu {
  offline: number;
  queues: number;
  here: number;
  /** serverless-offline's threads: one per container, beside a fixed few of its own. */
  threads: number;
}

/** utime + stime of a process in ms (clock ticks of 10 ms); 0 for one that has gone. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The queue functions' runtimes: this process's children that run a bundle of the stack's service directory. */
function queueFunctionPids(serviceBuildDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1];
      if (ppid === String(process.pid) && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(serviceBuildDir)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** `serviceBuildDir`: where the stack's bundles are (its esbuild work folder), which names its queue functions. */
export function stackCpu(stack: Stack, serviceBuildDir: string): StackCpu {
  const here = process.cpuUsage();
  return {
    offline: processCpuMs(stack.pid),
    queues: queueFunctionPids(serviceBuildDir).reduce((sum, pid) => sum + processCpuMs(pid), 0),
    here: (here.user + here.system) / 1000,
    threads: threadsOf(stack.pid),
  };
}

export const cpuSince = (a: StackCpu, b: StackCpu): StackCpu => ({ offline: b.offline - a.offline, queues: b.queues - a.queues, here: b.here - a.here, threads: b.threads - a.threads });

function threadsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

/**
 * Waits until the stack's queues hold nothing, in flight included: the jobs a run made are done
 * before the next run is measured, so no run is measured beside an earlier one's certificates.
 */
export async function drained(stack: Stack, timeoutMs = 180_000): Promise<void> {
  const sqs = new SQSClient({ endpoint: new URL(stack.queueUrl).origin, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const queues = [stack.queueUrl, stack.env.NOTIFY_QUEUE_URL, stack.env.VALIDATION_QUEUE_URL].filter((q): q is string => !!q);
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      let left = 0;
      for (const QueueUrl of queues) {
        const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }));
        left += Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      }
      if (left === 0) return;
      if (Date.now() > until) throw new Error(`${left} messages still queued after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    sqs.destroy();
  }
}
