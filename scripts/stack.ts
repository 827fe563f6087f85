/**
 * Starts the whole local stack in one process tree: dynalite (DynamoDB), the SQS emulator, the
 * development Keystone and Barbican (unless a real Keystone is given), and serverless-offline
 * with the API functions and the queue-triggered worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { parse as parseYaml } from 'yaml';
import { startDevOpenStack } from '../dev/openstack.js';
import { closeServer } from '../dev/http.js';
import { countDynamoCapacity, countRequests, type AwsCounts } from '../dev/awsCounts.js';
import { startFaultProxies, type FaultProxies } from '../dev/faults/control.js';
import { printService, startLocalQueues, type LocalQueues, type LocalQueueOptions } from '../dev/lambda/queueTriggers.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (opts: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAGE = 'local';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export interface StackOptions {
  apiPort?: number;
  lambdaPort?: number;
  dynamoPort?: number;
  sqsPort?: number;
  /** Environment of a real OpenStack (OS_AUTH_URL, OS_SERVICE_*, BARBICAN_URL); dev servers otherwise. */
  openstack?: Record<string, string>;
  /** Ports of the development Keystone and Barbican (0: any free port). */
  devKeystonePort?: number;
  devBarbicanPort?: number;
  /** Send serverless-offline's output to this file instead of the terminal. */
  logFile?: string;
  /**
   * Directory of the serverless.yml to serve (its table and queues are created from it, and osls
   * runs there); default: the project's own. The benchmark serves its no-op stack this way.
   */
  serviceDir?: string;
  /** Rebuild functions when a source file changes (npm start). Tests and benches keep them still. */
  watch?: boolean;
  /** The jobs queue's visibility timeout here (default 60 s; AWS: serverless.yml's 360 s). */
  jobsVisibilitySeconds?: number;
  /** How the queue-triggered functions run locally (fault injection and overrides for the soak). */
  queues?: Pick<LocalQueueOptions, 'concurrency' | 'envOverrides' | 'timeoutOverrides' | 'faults'>;
  /**
   * Puts fault proxies (dev/faults) between the worker and what it calls (dynalite, Keystone,
   * Barbican), passing everything until told otherwise; `faults.url` (FAULTS_URL) controls them.
   */
  faultProxies?: boolean;
  /** Seeded randomness for the fault proxies (the soak's seed). */
  random?: () => number;
  /** Counts DynamoDB and SQS requests and DynamoDB capacity units into this (the bench's cost). */
  awsCounts?: AwsCounts;
}

export interface Stack {
  apiUrl: string;
  authUrl: string;
  barbicanUrl?: string;
  queueUrl: string;
  env: Record<string, string>;
  /** The serverless-offline (osls) process; its worker threads run the HTTP handlers. */
  pid: number;
  /** The queue-triggered functions (worker, validator, notifier), each in processes of its own. */
  queues: LocalQueues;
  faults?: FaultProxies;
  stop(): Promise<void>;
}

/** Resource names and the table definition come from serverless.yml: one source for AWS and local. */
export function serverlessResources(serviceDir = ROOT) {
  const doc = parseYaml(readFileSync(join(serviceDir, 'serverless.yml'), 'utf8')) as { service: string; resources: { Resources: Record<string, { Properties: Record<string, unknown> }> } };
  const sub = (s: string) => s.replace('${self:service}', doc.service).replace('${sls:stage}', STAGE);
  const table = { ...doc.resources.Resources.Table.Properties } as Record<string, unknown>;
  delete table.PointInTimeRecoverySpecification;
  delete table.SSESpecification;
  delete table.TimeToLiveSpecification;
  table.TableName = sub(String(table.TableName));
  return {
    table: table as unknown as CreateTableCommandInput,
    queue: sub(String(doc.resources.Resources.JobsQueue.Properties.QueueName)),
    dlq: sub(String(doc.resources.Resources.JobsDeadLetterQueue.Properties.QueueName)),
    // The bench's no-op stack has no notifier.
    notify: doc.resources.Resources.NotifyQueue ? sub(String(doc.resources.Resources.NotifyQueue.Properties.QueueName)) : undefined,
    notifyDlq: doc.resources.Resources.NotifyDeadLetterQueue ? sub(String(doc.resources.Resources.NotifyDeadLetterQueue.Properties.QueueName)) : undefined,
    validation: doc.resources.Resources.ValidationQueue ? sub(String(doc.resources.Resources.ValidationQueue.Properties.QueueName)) : undefined,
    validationDlq: doc.resources.Resources.ValidationDeadLetterQueue ? sub(String(doc.resources.Resources.ValidationDeadLetterQueue.Properties.QueueName)) : undefined,
  };
}

const listen = (server: Server, port: number) => new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', () => ok()));
async function portFree(port: number): Promise<void> {
  const probe = createServer();
  try {
    await listen(probe, port);
  } catch {
    throw new Error(`port ${port} is in use (another stack still running? \`ss -ltnp | grep ${port}\` shows its process)`);
  }
  await closeServer(probe);
}

async function boundedStop(part: () => Promise<void>, ms = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((ok) => {
    timer = setTimeout(() => {
      console.error(`stack: a part did not stop within ${ms / 1000} s; going on`);
      ok();
    }, ms);
  });
  await Promise.race([part().catch(() => undefined), late]);
  clearTimeout(timer);
}

async function waitFor(url: string, ms: number, child?: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`serverless-offline exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer within ${ms / 1000}s`);
}

/**
 * serverless-offline hands a Lambda a request body as base64 only for application/octet-stream
 * and multipart; any other body is decoded as UTF-8, which destroys an OCSP request (DER). API
 * Gateway base64-encodes such bodies, so the handlers expect that: teach the emulator the same.
 */
/** A fresh key pair per local stack for sealing webhook secrets (on AWS: a parameter and a secret). */
function notifyKeys(): { NOTIFY_PUBLIC_KEY: string; NOTIFY_PRIVATE_KEY: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { NOTIFY_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(), NOTIFY_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * The validator's local-only settings: loopback targets allowed (ACME clients on this machine), and
 * the DNS server and challenge ports when the caller names them (the tests: pebble-challtestsrv).
 */
function acmeValidatorSettings(): Record<string, string> {
  const out: Record<string, string> = { ACME_ALLOW_LOOPBACK: process.env.ACME_ALLOW_LOOPBACK ?? '1' };
  for (const name of ['ACME_DNS_RESOLVER', 'ACME_HTTP01_PORT', 'ACME_TLSALPN01_PORT', 'ACME_NONCE_REJECT_PERCENT']) if (process.env[name]) out[name] = process.env[name]!;
  return out;
}

/** A fresh key pair per local stack for sealing EAB HMAC keys (on AWS: a parameter and a secret). */
function acmeKeyPair(): { ACME_PUBLIC_KEY: string; ACME_PRIVATE_KEY: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ACME_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ACME_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function teachOfflineBinaryTypes(): void {
  const file = join(ROOT, 'node_modules', 'serverless-offline', 'src', 'utils', 'index.js');
  const source = readFileSync(file, 'utf8');
  const marker = '"application/octet-stream",\n';
  if (source.includes('"application/ocsp-request"') || !source.includes(marker)) return;
  writeFileSync(file, source.replace(marker, `${marker}  "application/ocsp-request",\n`));
}

/**
 * local-aws-sqs 2.0.2 counts a ChangeMessageVisibility as a receive (one helper serves both), so a
 * worker that sets its retry delay sent messages to the dead-letter queue after three deliveries
 * instead of five. SQS counts receives only: so does the patched emulator.
 */
function countOnlyReceives(): void {
  const file = join(ROOT, 'node_modules', 'local-aws-sqs', 'dist', 'index.js');
  const source = readFileSync(file, 'utf8');
  const counting = 'let n=Number(t.record.attributes.ApproximateReceiveCount)+1;';
  if (source.includes(counting)) writeFileSync(file, source.replace(counting, 'let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);'));
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  teachOfflineBinaryTypes();
  countOnlyReceives();
  const apiPort = opts.apiPort ?? 3000;
  const lambdaPort = opts.lambdaPort ?? 3002;
  const dynamoPort = opts.dynamoPort ?? 4567;
  const sqsPort = opts.sqsPort ?? 9324;
  const say = (s: string) => opts.logFile || console.error(s);
  const stops: Array<() => Promise<void>> = [];
  // Each part gets a bounded time to stop: a stack that cannot stop must not hang its caller (a
  // request half-sent by a killed worker once kept dynalite's close waiting for ever, and CI with it).
  const stop = async () => {
    for (const s of stops.reverse()) await boundedStop(s);
  };

  try {
    // A stack left behind (its parent killed) would answer in this one's place: refuse to start.
    await portFree(apiPort);
    const serviceDir = opts.serviceDir ?? ROOT;
    const names = serverlessResources(serviceDir);
    const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    if (opts.awsCounts) {
      countRequests(db, 'dynamodb', opts.awsCounts);
      const gsis = (names.table.GlobalSecondaryIndexes ?? []).map((g) => ({
        name: g.IndexName!,
        hashKey: g.KeySchema!.find((k) => k.KeyType === 'HASH')!.AttributeName!,
        rangeKey: g.KeySchema!.find((k) => k.KeyType === 'RANGE')?.AttributeName ?? '',
        keysOnly: g.Projection?.ProjectionType === 'KEYS_ONLY',
      }));
      countDynamoCapacity(opts.awsCounts, gsis);
    }
    await listen(db, dynamoPort);
    stops.push(() => closeServer(db));
    const dynamoUrl = `http://127.0.0.1:${dynamoPort}`;
    await new DynamoDBClient({ endpoint: dynamoUrl, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }).send(new CreateTableCommand(names.table));
    say(`dynalite      ${dynamoUrl} (table ${names.table.TableName})`);

    const sqsUrl = `http://127.0.0.1:${sqsPort}`;
    // Imported only now, after countOnlyReceives() has mended it.
    const { createSqsServer } = await import('local-aws-sqs');
    const sqs = await createSqsServer({
      port: sqsPort,
      hostname: '127.0.0.1',
      region: REGION,
      accountId: ACCOUNT,
      emulateQueueCreationLifecycle: false,
      queues: [
        { QueueName: names.dlq },
        {
          QueueName: names.queue,
          Attributes: {
            VisibilityTimeout: opts.jobsVisibilitySeconds ?? 60,
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${names.dlq}`, maxReceiveCount: 5 }),
          },
        },
        ...(names.notify && names.notifyDlq
          ? [
              { QueueName: names.notifyDlq },
              {
                QueueName: names.notify,
                // Locally a failed webhook comes back after 5 s rather than AWS's 6 minutes.
                Attributes: { VisibilityTimeout: '5' as const, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${names.notifyDlq}`, maxReceiveCount: 8 }) },
              },
            ]
          : []),
        ...(names.validation && names.validationDlq
          ? [
              { QueueName: names.validationDlq },
              { QueueName: names.validation, Attributes: { VisibilityTimeout: '30' as const, RedrivePolicy: JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${names.validationDlq}`, maxReceiveCount: 5 }) } },
            ]
          : []),
      ],
    });
    if (opts.awsCounts) countRequests(sqs, 'sqs', opts.awsCounts);
    stops.push(() => closeServer(sqs));
    const queueUrl = `${sqsUrl}/${ACCOUNT}/${names.queue}`;
    say(`sqs           ${queueUrl}`);

    let openstack = opts.openstack;
    let devBarbicanUrl: string | undefined;
    if (!openstack) {
      const dev = await startDevOpenStack({ keystonePort: opts.devKeystonePort, barbicanPort: opts.devBarbicanPort });
      stops.push(() => dev.close());
      openstack = {
        OS_AUTH_URL: dev.keystoneUrl,
        BARBICAN_URL: '',
        OS_SERVICE_USERNAME: 'caworker',
        OS_SERVICE_PASSWORD: 'cwpass',
        OS_SERVICE_PROJECT_NAME: 'service',
      };
      say(`keystone      ${dev.keystoneUrl} (development server)`);
      say(`barbican      ${dev.barbicanUrl} (development server)`);
      devBarbicanUrl = dev.barbicanUrl;
    } else {
      say(`keystone      ${openstack.OS_AUTH_URL}`);
    }

    const env: Record<string, string> = {
      ...openstack,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
      AWS_ENDPOINT_URL_SQS: sqsUrl,
      JOBS_QUEUE_URL: queueUrl,
      ...(names.notify ? { NOTIFY_QUEUE_URL: `${sqsUrl}/${ACCOUNT}/${names.notify}`, ...notifyKeys() } : {}),
      ...(names.validation ? { VALIDATION_QUEUE_URL: `${sqsUrl}/${ACCOUNT}/${names.validation}`, ...acmeKeyPair(), ...acmeValidatorSettings() } : {}),
      // Where certificates point relying parties for CRLs and OCSP; the worker writes it into them.
      PUBLIC_URL: process.env.PUBLIC_URL ?? `http://127.0.0.1:${apiPort}`,
      API_PORT: String(apiPort),
      LAMBDA_PORT: String(lambdaPort),
      SLS_TELEMETRY_DISABLED: '1',
    };
    // On this script's own node (the project's Node 24), not whatever `node` PATH finds first: the
    // .bin/osls shebang would take PATH's, the machine's older one when run outside an npm script.
    // serverless-offline runs the handlers in worker threads of this process.
    const osls = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
    const out = opts.logFile ? openSync(opts.logFile, 'w') : 'inherit';
    const childEnv = { ...process.env, ...env, ...(opts.watch ? {} : { ESBUILD_WATCH_PATTERN: 'nothing-to-watch/**' }) } as Record<string, string>;
    // serverless-offline's functions run in dev/offline's containers: one cold start at a time per function.
    const pool = pathToFileURL(join(ROOT, 'dev', 'offline', 'register.ts')).href;
    const child = spawn(process.execPath, ['--import', pool, osls, 'offline', 'start', '--stage', STAGE], {
      cwd: serviceDir,
      env: childEnv,
      stdio: ['ignore', out, out],
      detached: true,
    });
    stops.push(async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      // The whole process group: osls starts workers of its own.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    });
    let faults: FaultProxies | undefined;
    const workerEnv: Record<string, string> = {};
    if (opts.faultProxies) {
      const barbican = openstack.BARBICAN_URL || devBarbicanUrl;
      // Plain-HTTP loopback services only: the proxy does not speak TLS.
      const targets = Object.fromEntries(Object.entries({ dynamodb: dynamoUrl, keystone: openstack.OS_AUTH_URL, barbican }).filter((e): e is [string, string] => !!e[1]?.startsWith('http://')));
      faults = await startFaultProxies(targets, opts.random);
      stops.push(() => faults!.stop());
      const via = { dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB', keystone: 'OS_AUTH_URL', barbican: 'BARBICAN_URL' } as const;
      for (const [name, variable] of Object.entries(via)) if (faults.proxies[name]) workerEnv[variable] = faults.proxies[name].url;
      say(`faults        ${faults.url} (proxies in front of the worker's ${Object.keys(faults.proxies).join(', ')})`);
    }
    // The functions' resolved configuration, read beside serverless-offline's start.
    const printed = printService(serviceDir, childEnv);
    printed.catch(() => undefined);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    try {
      // Generous: esbuild builds every function first, slowly on a loaded machine (over 2 minutes seen with
      // both cores loaded and other runs beside). A stack that dies fails at once: waitFor watches the child.
      await waitFor(`${apiUrl}/`, 600_000, child);
    } catch (e) {
      const tail = opts.logFile ? readFileSync(opts.logFile, 'utf8').slice(-4000) : '';
      throw new Error(`${(e as Error).message}\n${tail}`);
    }
    // serverless-offline serves HTTP; the queue triggers run here, with Lambda's SQS semantics
    // (dev/lambda), on the bundles serverless-esbuild has just built.
    const queueOpts = opts.queues ?? {};
    const envOverrides = { ...queueOpts.envOverrides, worker: { ...workerEnv, ...queueOpts.envOverrides?.worker } };
    const queues = startLocalQueues({ serviceDir, service: await printed, stackEnv: env, sqsUrl, account: ACCOUNT, output: out, ...queueOpts, envOverrides });
    stops.push(() => queues.stop());
    say(`queues        ${queues.sources.map((s) => `${s.trigger.functionKey} (batch ${s.trigger.batchSize}, ${s.pool.spec.concurrency} at a time)`).join(', ')}`);
    return { apiUrl, authUrl: openstack.OS_AUTH_URL, barbicanUrl: openstack.BARBICAN_URL || undefined, queueUrl, env, pid: child.pid!, queues, faults, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What the stack takes from the environment to use a real OpenStack instead of the development servers. */
const REAL_OPENSTACK_ENV = ['OS_AUTH_URL', 'OS_SERVICE_USERNAME', 'OS_SERVICE_PASSWORD', 'OS_SERVICE_PROJECT_NAME', 'OS_SERVICE_USER_DOMAIN_NAME', 'OS_SERVICE_PROJECT_DOMAIN_NAME', 'OS_SERVICE_MEMBERSHIP_DOMAIN_NAME', 'BARBICAN_URL'] as const;

/**
 * A real Keystone (and Barbican) when OS_AUTH_URL is exported, as the README says; undefined: the
 * development servers. The worker's service user must be given too, or nothing could reach Barbican.
 */
export function openstackFromEnv(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  if (!env.OS_AUTH_URL) return undefined;
  if (!env.OS_SERVICE_USERNAME || !env.OS_SERVICE_PASSWORD) {
    throw new Error('OS_AUTH_URL points the stack at a real Keystone: export the worker\'s service user too (OS_SERVICE_USERNAME, OS_SERVICE_PASSWORD, and OS_SERVICE_PROJECT_NAME if it is not "service")');
  }
  const out: Record<string, string> = {};
  for (const name of REAL_OPENSTACK_ENV) if (env[name]) out[name] = env[name]!;
  return out;
}

/** Reads a `KEY=value` file such as the one scripts/openstack-up.sh writes. */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return out;
}
