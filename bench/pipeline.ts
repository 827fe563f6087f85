/**
 * Part 2 of `npm run bench`: the local pipeline against its no-op ceiling.
 * One client for both stacks (the real one and bench/noop's), so both are timed the same way:
 * POST, then GET /v1/jobs/{id} every `pollMs` until the job is `succeeded`.
 */
import { createServer } from 'node:net';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';

export const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
export const median = (xs: number[]) => quantile(xs, 0.5);

export interface Target {
  name: string;
  baseUrl: string;
  token: string;
  /** POST path that submits one job, and the body for request i. */
  path: string;
  body: (i: number) => unknown;
}

/**
 * Requests that got no answer in time: a client timeout, or serverless-offline's own 504 when an
 * invocation outlives the function's timeout. Counted per target name and retried, so one hung
 * invocation shows up in the figures (and in this count) instead of ending the run.
 */
export const stalls = new Map<string, number>();
const REQUEST_TIMEOUT_MS = 5000;
const stalled = (t: Target) => stalls.set(t.name, (stalls.get(t.name) ?? 0) + 1);

async function call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any } | 'stalled'> {
  const headers: Record<string, string> = { 'X-Auth-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    text = await res.text();
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') return 'stalled';
    throw e;
  }
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* kept as text for the error message */
  }
  if (parsed?.errorType === 'LambdaTimeoutError') return 'stalled';
  return { status: res.status, body: parsed };
}

/** Polls a job until it is `succeeded` (any other end, or the timeout, is an error). */
async function waitDone(t: Target, jobId: string, pollMs: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('GET', `${t.baseUrl}/v1/jobs/${jobId}`, t.token);
    if (res === 'stalled') stalled(t);
    else {
      const { status, body } = res;
      if (status !== 200 || typeof body?.job?.status !== 'string') throw new Error(`${t.name}: GET job ${jobId}: ${status} ${JSON.stringify(body)}`);
      if (body.job.status === 'succeeded') return;
      if (body.job.status === 'failed') throw new Error(`${t.name}: job ${jobId} failed: ${body.job.reason}`);
    }
    if (Date.now() > until) throw new Error(`${t.name}: job ${jobId} not succeeded after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function submit(t: Target, i: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await call('POST', `${t.baseUrl}${t.path}`, t.token, t.body(i));
    if (res === 'stalled') {
      stalled(t);
      if (attempt < 3) continue;
      throw new Error(`${t.name}: POST ${t.path}: no answer, ${attempt} times`);
    }
    if (res.status !== 202 || typeof res.body?.job?.id !== 'string') throw new Error(`${t.name}: POST ${t.path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.job.id as string;
  }
}

/** Milliseconds from the POST until the job is seen `succeeded`. */
export async function requestToDone(t: Target, i: number, pollMs: number): Promise<number> {
  const t0 = performance.now();
  await waitDone(t, await submit(t, i), pollMs);
  return performance.now() - t0;
}

/**
 * Request→done latency of `n` jobs, one at a time, alternating between the targets (and which one
 * goes first), so that whatever else the machine does falls on both alike.
 */
export async function interleavedLatencies(targets: Target[], n: number, pollMs: number, warmup = 3): Promise<number[][]> {
  for (const t of targets) for (let i = 0; i < warmup; i++) await requestToDone(t, n + i, pollMs);
  const times = targets.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? targets.map((_, k) => k) : targets.map((_, k) => targets.length - 1 - k);
    for (const k of order) times[k].push(await requestToDone(targets[k], i, pollMs));
  }
  return times;
}

/**
 * Jobs per second through the whole pipeline: `n` jobs submitted with `concurrency` POSTs in
 * flight, and one client following them in order (GET every `pollMs`) until the last is done.
 * Measured from the first POST to the last `succeeded`; the queue drains while POSTs still arrive.
 */
export async function drainRate(t: Target, n: number, concurrency: number, pollMs: number, offset = 0): Promise<number> {
  const ids: Promise<string>[] = new Array(n);
  let next = 0;
  let failed = false;
  const t0 = performance.now();
  const slots: Promise<unknown>[] = [];
  const launch = (): Promise<unknown> => {
    const i = next++;
    ids[i] = submit(t, offset + i);
    return ids[i].then(() => (next < n ? launch() : undefined));
  };
  for (let c = 0; c < Math.min(concurrency, n); c++) slots.push(launch());
  const follow = (async () => {
    for (let i = 0; i < n; i++) {
      while (ids[i] === undefined) {
        if (failed) return;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      await waitDone(t, await ids[i], pollMs, 120_000);
    }
  })();
  try {
    await Promise.all([...slots, follow]);
  } catch (e) {
    failed = true;
    await Promise.allSettled([...slots, follow]);
    throw e;
  }
  return n / ((performance.now() - t0) / 1000);
}

/**
 * The queue loop alone: `n` messages `{jobId}` put straight into a stack's queue (no API), and the
 * time until its worker has taken and deleted them all (the queue's attributes, read every 5 ms).
 * Only for the no-op stack: the real worker refuses jobs the store does not back.
 */
export async function queueDrainRate(queueUrl: string, sqsEndpoint: string, n: number): Promise<number> {
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i += 10) {
      const Entries = Array.from({ length: Math.min(10, n - i) }, (_, k) => ({ Id: `m${k}`, MessageBody: JSON.stringify({ jobId: crypto.randomUUID() }) }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
    }
    const until = Date.now() + 120_000;
    for (;;) {
      const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      if (Number(a.ApproximateNumberOfMessages) === 0 && Number(a.ApproximateNumberOfMessagesNotVisible) === 0) break;
      if (Date.now() > until) throw new Error(`${queueUrl}: not drained after 120 s (${JSON.stringify(a)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    sqs.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface SqsHandoff {
  /** SendMessage until a long poll already waiting (as the event source's always is) returns it. */
  toWaitingPollMs: number;
  /** One ReceiveMessage (WaitTimeSeconds 5) when a message is already there. */
  readyReceiveMs: number;
}

/**
 * The SQS emulator alone (local-aws-sqs, the same package and options as the stacks, on a free
 * port of its own): the floor that every job pays once between the API and the worker.
 */
export async function sqsHandoff(n = 40): Promise<SqsHandoff> {
  const port = await freePort();
  const server = await createSqsServer({ port, hostname: '127.0.0.1', region: 'us-east-1', accountId: '000000000000', emulateQueueCreationLifecycle: false, queues: [{ QueueName: 'handoff' }] });
  const sqs = new SQSClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const QueueUrl = `http://127.0.0.1:${port}/000000000000/handoff`;
  const receive = () => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }));
  try {
    const waiting: number[] = [];
    const ready: number[] = [];
    for (let i = 0; i < n + 3; i++) {
      const got = receive();
      await new Promise((r) => setTimeout(r, 15)); // the poll is parked in the emulator
      const t0 = performance.now();
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
      if (!(await got).Messages?.length) throw new Error('the SQS emulator returned no message');
      if (i >= 3) waiting.push(performance.now() - t0);

      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `r${i}` }));
      const t1 = performance.now();
      if (!(await receive()).Messages?.length) throw new Error('the SQS emulator returned no message');
      if (i >= 3) ready.push(performance.now() - t1);
    }
    return { toWaitingPollMs: median(waiting), readyReceiveMs: median(ready) };
  } finally {
    sqs.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}
