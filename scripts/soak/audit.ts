/**
 * What the soak counts once the jobs have settled: each job's end, the dead-letter queue, duplicate
 * certificates (two records or two serials for one request), revocations missing from their CA's
 * CRL, and Barbican secrets that no record of the store refers to (orphans).
 */
import { execFileSync } from 'node:child_process';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Submitted } from './mix.js';

type Call = (method: string, path: string, token: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** Messages in a queue, visible or being handled. */
export async function queueDepth(sqsUrl: string, queueUrl: string): Promise<number> {
  const sqs = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }));
  sqs.destroy();
  return Object.values(Attributes).reduce((n, v) => n + Number(v), 0);
}

/** Message bodies waiting in a dead-letter queue, read without removing them (hidden a few seconds). */
export async function deadLetters(sqsUrl: string, queueUrl: string): Promise<Set<string>> {
  const sqs = new SQSClient({ endpoint: sqsUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const jobs = new Set<string>();
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    if (Messages.length === 0) empty++;
    for (const m of Messages) jobs.add(String((JSON.parse(m.Body ?? '{}') as { jobId?: string }).jobId));
  }
  sqs.destroy();
  return jobs;
}

/** Every string in the table (all items, all attributes): what the store refers to. */
export async function storeStrings(dynamoUrl: string, table: string): Promise<Set<string>> {
  const db = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const out = new Set<string>();
  const walk = (v: AttributeValue | undefined): void => {
    if (!v) return;
    if (v.S) out.add(v.S);
    v.L?.forEach(walk);
    if (v.M) Object.values(v.M).forEach(walk);
    v.SS?.forEach((s) => out.add(s));
  };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) Object.values(item).forEach(walk);
    start = page.LastEvaluatedKey;
  } while (start);
  db.destroy();
  return out;
}

/** Secrets the worker's service user owns in Barbican that neither the store nor a referenced container names. */
export async function orphanedSecrets(barbicanUrl: string, token: string, referenced: Set<string>): Promise<string[]> {
  const list = async (kind: 'secrets' | 'containers') => {
    const all: any[] = [];
    for (let offset = 0; ; offset += 100) {
      const res = await fetch(`${barbicanUrl}/v1/${kind}?limit=100&offset=${offset}`, { headers: { 'X-Auth-Token': token } });
      const page = (await res.json()) as Record<string, any[]>;
      all.push(...(page[kind] ?? []));
      if ((page[kind] ?? []).length < 100) return all;
    }
  };
  const named = new Set(referenced);
  for (const c of await list('containers')) if (referenced.has(c.container_ref)) for (const s of c.secret_refs ?? []) named.add(s.secret_ref);
  return (await list('secrets')).map((s) => s.secret_ref as string).filter((ref) => !named.has(ref));
}

/**
 * Revoked certificates missing from their CA's CRL (parsed by openssl, not our code), after up to
 * `waitMs` for the re-signing jobs the revocations queued.
 */
export async function missingFromCrls(apiUrl: string, revoked: Array<{ project: string; caId: string; serial: string }>, waitMs: number): Promise<number> {
  const until = Date.now() + waitMs;
  for (;;) {
    const byCa = new Map<string, Set<string>>();
    let missing = 0;
    for (const r of revoked) {
      const key = `${r.project}/${r.caId}`;
      if (!byCa.has(key)) byCa.set(key, await crlSerials(apiUrl, r.project, r.caId));
      if (!byCa.get(key)!.has(r.serial.toUpperCase().replace(/^0+/, ''))) missing++;
    }
    if (missing === 0 || Date.now() > until) return missing;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function crlSerials(apiUrl: string, project: string, caId: string): Promise<Set<string>> {
  const res = await fetch(`${apiUrl}/v1/public/${project}/cas/${caId}/crl`);
  if (res.status !== 200) return new Set();
  const der = Buffer.from(await res.arrayBuffer());
  const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: der, encoding: 'utf8' });
  return new Set([...text.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1].toUpperCase().replace(/^0+/, '')));
}

export interface Duplicates {
  /** Certificate records of a CA beyond the requests made to it. */
  extraRecords: number;
  /** Serials on more than one record. */
  sharedSerials: number;
}

/** Counts the records each CA holds against the requests the soak made to it. */
export async function duplicates(call: Call, token: (project: string) => string, requested: Map<string, { project: string; count: number }>): Promise<Duplicates> {
  let extraRecords = 0;
  const serials = new Map<string, number>();
  for (const [caId, { project, count }] of requested) {
    let records = 0;
    let path: string | undefined = `/v1/certificates?ca_id=${caId}&limit=100`;
    while (path) {
      const { body } = await call('GET', path, token(project));
      const page: Array<{ id: string; serial: string | null }> = body.certificates ?? [];
      records += page.length;
      for (const c of page) if (c.serial) serials.set(c.serial, (serials.get(c.serial) ?? 0) + 1);
      const next = (body.certificates_links ?? []).find((l: { rel: string }) => l.rel === 'next')?.href as string | undefined;
      path = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    extraRecords += Math.max(0, records - count);
  }
  return { extraRecords, sharedSerials: [...serials.values()].filter((n) => n > 1).length };
}

export interface JobEnd {
  job: Submitted;
  status: string;
  reason?: string;
  ms?: number;
}

export async function jobEnd(call: Call, job: Submitted): Promise<JobEnd> {
  if (!job.jobId) return { job, status: 'succeeded' };
  const { status, body } = await call('GET', `/v1/jobs/${job.jobId}`, job.token);
  const j = body?.job;
  if (status !== 200 || !j) return { job, status: `GET ${status} ${JSON.stringify(body).slice(0, 120)}` };
  return { job, status: j.status, reason: j.reason ?? undefined, ms: Date.parse(j.updated_at) - Date.parse(j.created_at) };
}
