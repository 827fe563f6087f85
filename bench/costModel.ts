/**
 * Prices and arithmetic of bench/cost.ts: the AWS bill of one certificate from its counted
 * requests, and the rates the counted requests allow before a service limit is reached.
 */

/** What one issued certificate asked of AWS (and of OpenStack), averaged over the measured ones. */
export interface PerCertificate {
  /** HTTP API requests (and API Lambda invocations). */
  apiRequests: number;
  /** Time of those invocations together, ms. */
  apiMs: number;
  apiMemoryMb: number;
  /** Queue-triggered invocations (worker, notifier, …) and their handlers' time together, ms. */
  queueInvocations: number;
  queueMs: number;
  queueMemoryMb: number;
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  sqsRequests: number;
  keystoneCalls: number;
  barbicanCalls: number;
}

export const PRICES_AS_OF = '2024-11 (DynamoDB on-demand after its 2024-11-01 cut); read 2026-12';
const perMillion = {
  httpApi: 1.0,
  lambdaRequests: 0.2,
  dynamoWrite: 0.625,
  dynamoRead: 0.125,
  sqs: 0.4,
};
/** Lambda on arm64 (Graviton), per GB-second. */
const LAMBDA_GB_SECOND = 0.0000133334;

export const PRICES = {
  table: [
    { item: 'API Gateway HTTP API requests', price: `$${perMillion.httpApi.toFixed(2)} per million (the first 300 million a month)` },
    { item: 'Lambda requests', price: `$${perMillion.lambdaRequests.toFixed(2)} per million` },
    { item: 'Lambda duration, arm64', price: `$${LAMBDA_GB_SECOND} per GB-second` },
    { item: 'DynamoDB on-demand write request units', price: `$${perMillion.dynamoWrite} per million` },
    { item: 'DynamoDB on-demand read request units', price: `$${perMillion.dynamoRead} per million` },
    { item: 'SQS standard queue requests', price: `$${perMillion.sqs.toFixed(2)} per million (64 KB chunks; 1 million a month free)` },
  ],
  /** Lambda's SQS poller: 5 long polls of 20 s at once per queue, whether or not messages come. */
  sqsIdlePollsPerQueueMonth: 5 * 3 * 60 * 24 * 30,
};

export interface CostLine {
  item: string;
  usd: number;
}

/** Dollars per million certificates, by service; storage, logs and data transfer not included. */
export function costPerMillion(c: PerCertificate): { lines: CostLine[]; totalUsd: number } {
  const gbSeconds = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const lines: CostLine[] = [
    { item: 'HTTP API', usd: c.apiRequests * perMillion.httpApi },
    { item: 'Lambda requests', usd: (c.apiRequests + c.queueInvocations) * perMillion.lambdaRequests },
    { item: 'Lambda duration', usd: (gbSeconds(c.apiMs, c.apiMemoryMb) + gbSeconds(c.queueMs, c.queueMemoryMb)) * LAMBDA_GB_SECOND * 1e6 },
    { item: 'DynamoDB writes', usd: c.dynamoWriteUnits * perMillion.dynamoWrite },
    { item: 'DynamoDB reads', usd: c.dynamoReadUnits * perMillion.dynamoRead },
    { item: 'SQS', usd: c.sqsRequests * perMillion.sqs },
  ];
  return { lines, totalUsd: lines.reduce((a, l) => a + l.usd, 0) };
}

/** DynamoDB's per-partition throughput: 1,000 write units and 3,000 read units a second. */
export const PARTITION_WRITE_UNITS = 1000;
/** Lambda's default concurrency per account and region. */
export const ACCOUNT_CONCURRENCY = 1000;

export interface PartitionLoad {
  /** "table P#<project>", "gsi1 P#<project>#CA#<id>", "gsi2 RENEW#<day>". */
  partition: string;
  writeUnitsPerCert: number;
}

/**
 * Item kinds of a project's partition whose sort keys grow with time (time-ordered event ids, ISO
 * notAfter): DynamoDB's split for heat divides a key's items by sort-key range, so random keys
 * (CERT#<uuid>, JOB#<uuid>, SERIAL#…) spread over the splits while these always land at one end.
 */
export const TIME_ORDERED_KINDS = ['EVT', 'NOTAFTER'];

/** What caps the certificates per second of one project and of the service, from the counts. */
export function scaleOnPaper(c: PerCertificate, busiest: PartitionLoad[], timeOrderedUnitsPerCert?: number): string[] {
  const out: string[] = [];
  for (const p of busiest) {
    const rate = PARTITION_WRITE_UNITS / p.writeUnitsPerCert;
    const what = p.partition.startsWith('table P#')
      ? 'one project (all its items share this partition key)'
      : p.partition.startsWith('gsi1 ')
        ? 'one CA (its certificate index)'
        : p.partition.includes('#STATUS#')
          ? "one project's certificates in one status"
          : 'the whole service (a day bucket of the index)';
    out.push(`partition ${p.partition.replace(/#[0-9a-f]{32}/g, '#<project>').replace(/#[0-9a-f-]{36}/g, '#<id>')}: ${p.writeUnitsPerCert.toFixed(2)} write units per certificate -> at most ${rate.toFixed(0)} certificates/s for ${what}, before DynamoDB splits the key's items for heat`);
  }
  if (timeOrderedUnitsPerCert) {
    out.push(
      `after splits for heat, one project's time-ordered items (${TIME_ORDERED_KINDS.join(', ')}: ${timeOrderedUnitsPerCert.toFixed(2)} write units per certificate) still go to the newest end of its key range -> at most ${(PARTITION_WRITE_UNITS / timeOrderedUnitsPerCert).toFixed(0)} certificates/s for one project; the other items' random sort keys spread over the splits`,
    );
  }
  const perWorker = c.queueMs > 0 ? 1000 / c.queueMs : Infinity;
  out.push(`Lambda: ${c.queueMs.toFixed(1)} ms of queue-triggered handlers per certificate -> ${perWorker.toFixed(0)} certificates/s per concurrent worker, ${(perWorker * ACCOUNT_CONCURRENCY).toFixed(0)}/s at the account's default ${ACCOUNT_CONCURRENCY} concurrent executions (shared with the ${c.apiRequests} API invocations per certificate)`);
  out.push(`OpenStack: ${c.keystoneCalls.toFixed(3)} Keystone and ${c.barbicanCalls.toFixed(3)} Barbican calls per certificate from the worker (cached token and CA key): neither caps issuance; new API tokens are validated once per token and cache period`);
  out.push('SQS standard queues have no practical request limit; API Gateway HTTP APIs default to 10,000 requests/s per account and region');
  return out;
}
