/**
 * The queue triggers of a service, read from its resolved serverless.yml (`osls print`, so the
 * stage's parameters and variables are what AWS would get), and started as local event sources.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { FunctionPool, type FunctionSpec } from './functionPool.js';
import { SqsEventSource, type DeliveryFaults, type QueueTrigger } from './sqsEventSource.js';

interface SqsEventDefinition {
  arn: string | { 'Fn::GetAtt': [string, string] };
  batchSize?: number;
  functionResponseType?: string;
  enabled?: boolean;
}

interface ResolvedService {
  service: string;
  provider: { stage?: string; region?: string; timeout?: number; memorySize?: number; environment?: Record<string, string> };
  custom?: { esbuild?: { outputFileExtension?: string; outputWorkFolder?: string; outputBuildFolder?: string } };
  functions: Record<string, { handler: string; name: string; timeout?: number; memorySize?: number; reservedConcurrency?: number; environment?: Record<string, string>; events?: Array<{ sqs?: SqsEventDefinition }> }>;
  resources?: { Resources?: Record<string, { Properties?: { QueueName?: string } }> };
}

/** `osls print` of a service directory, under the environment its functions resolve variables from. */
export function printService(serviceDir: string, env: Record<string, string | undefined>): Promise<ResolvedService> {
  const osls = join(serviceDir, 'node_modules', 'osls', 'bin', 'serverless.js');
  const bin = existsSync(osls) ? osls : join(import.meta.dirname, '..', '..', 'node_modules', 'osls', 'bin', 'serverless.js');
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [bin, 'print', '--stage', 'local', '--format', 'json'], { cwd: serviceDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`osls print exited with ${code}: ${err.slice(-2000)}`));
      try {
        ok(JSON.parse(out) as ResolvedService);
      } catch (e) {
        fail(new Error(`osls print gave no JSON: ${(e as Error).message}`));
      }
    });
  });
}

function queueNameOf(arn: SqsEventDefinition['arn'], service: ResolvedService): string {
  if (typeof arn === 'string') return arn.split(':').pop()!;
  const name = service.resources?.Resources?.[arn['Fn::GetAtt'][0]]?.Properties?.QueueName;
  if (!name) throw new Error(`the queue ${arn['Fn::GetAtt'][0]} has no QueueName in resources`);
  return name;
}

export interface LocalQueueOptions {
  serviceDir: string;
  service: ResolvedService;
  /** The environment the stack gives its functions (AWS endpoints and credentials among it). */
  stackEnv: Record<string, string>;
  sqsUrl: string;
  account: string;
  /** Execution environments per function (default: its reservedConcurrency, else 2). */
  concurrency?: number;
  /** Per-function environment overrides (the soak points the worker at its fault proxies). */
  envOverrides?: Record<string, Record<string, string>>;
  /** Per-function timeout overrides, in seconds. */
  timeoutOverrides?: Record<string, number>;
  faults?: DeliveryFaults;
  /** The functions' output: a file descriptor (the stack's log) or the terminal. */
  output?: number | 'inherit';
}

export interface LocalQueues {
  sources: SqsEventSource[];
  pool(functionKey: string): FunctionPool | undefined;
  stop(): Promise<void>;
}

export function startLocalQueues(opts: LocalQueueOptions): LocalQueues {
  const { service } = opts;
  const region = service.provider.region ?? 'us-east-1';
  const sqs = new SQSClient({ endpoint: opts.sqsUrl, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const esbuild = service.custom?.esbuild ?? {};
  const ext = esbuild.outputFileExtension ?? '.js';
  const build = join(opts.serviceDir, esbuild.outputWorkFolder ?? '.esbuild', esbuild.outputBuildFolder ?? '.build');
  const awsEnv = Object.fromEntries(Object.entries(opts.stackEnv).filter(([k]) => k.startsWith('AWS_')));
  const sources: SqsEventSource[] = [];
  for (const [key, fn] of Object.entries(service.functions)) {
    for (const event of fn.events ?? []) {
      if (!event.sqs || event.sqs.enabled === false) continue;
      const dot = fn.handler.lastIndexOf('.');
      const file = join(build, `${fn.handler.slice(0, dot)}${ext}`);
      if (!existsSync(file)) throw new Error(`${key}: no bundle at ${file} (serverless-esbuild builds it when serverless-offline starts)`);
      const timeout = opts.timeoutOverrides?.[key] ?? fn.timeout ?? service.provider.timeout ?? 6;
      const memory = fn.memorySize ?? service.provider.memorySize ?? 1024;
      // What serverless-offline gives a function (AWS_* from the stack, the Lambda variables, the
      // provider's then the function's environment), so a function runs the same either way.
      const env = {
        ...awsEnv,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_REGION: region,
        LAMBDA_TASK_ROOT: build,
        ...service.provider.environment,
        ...fn.environment,
        ...opts.envOverrides?.[key],
        IS_OFFLINE: 'true',
      };
      const spec: FunctionSpec = { name: fn.name, file, exportName: fn.handler.slice(dot + 1), cwd: build, env, timeoutMs: timeout * 1000, concurrency: opts.concurrency ?? fn.reservedConcurrency ?? 2, output: opts.output ?? 'inherit' };
      const queueName = queueNameOf(event.sqs.arn, service);
      const trigger: QueueTrigger = {
        functionKey: key,
        queueUrl: `${opts.sqsUrl}/${opts.account}/${queueName}`,
        queueArn: `arn:aws:sqs:${region}:${opts.account}:${queueName}`,
        batchSize: event.sqs.batchSize ?? 10,
        reportBatchItemFailures: event.sqs.functionResponseType === 'ReportBatchItemFailures',
      };
      const output = opts.output;
      const log = typeof output === 'number' ? (line: string) => writeSync(output, `${line}\n`) : undefined;
      sources.push(new SqsEventSource(trigger, new FunctionPool(spec), sqs, region, opts.faults, log));
    }
  }
  for (const s of sources) s.start();
  return {
    sources,
    pool: (functionKey) => sources.find((s) => s.trigger.functionKey === functionKey)?.pool,
    stop: async () => {
      await Promise.all(sources.map((s) => s.stop()));
      sqs.destroy();
    },
  };
}
