/**
 * `npm run bench` (last part): a CA that grows. ONE CA (EC P-256, a real key, the native driver)
 * in dynalite started in this process (as scripts/stack.ts starts it, the table of serverless.yml),
 * loaded with BatchWriteItem to 10^3, 10^4 and 10^5 certificate records, a fifth of them revoked
 * and recorded (REV# items). Per size, through the worker's own code (publishCrls, runPublishCrl
 * with a WorkerContext on the DynamoDB store): a full CRL publication (time, DER size, chunks), one
 * more revocation and its publication, reading the CRL as the public route does, and one page of
 * the CA's certificates. BENCH_CRL=0 skips it; BENCH_CRL_MAX (default 100000) caps the sizes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { closeServer } from '../dev/http.js';
import { serverlessResources } from '../scripts/stack.js';

if (process.env.BENCH_CRL === '0') {
  console.log('== CRL growth: skipped (BENCH_CRL=0)');
  process.exit(0);
}
const MAX = Number(process.env.BENCH_CRL_MAX ?? 100_000);
const SIZES = [1_000, 10_000, 100_000].filter((n) => n <= MAX);
const P = 'bench-crl';
const REGION = 'us-east-1';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (opts: { createTableMs?: number }) => Server;
const db = dynalite({ createTableMs: 0 });
await new Promise<void>((ok) => db.listen(0, '127.0.0.1', () => ok()));
const endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
const { table } = serverlessResources();
// Before the store's client exists: it takes them from the environment, as on Lambda.
Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', TABLE_NAME: String(table.TableName) });
const raw = new DynamoDBClient({ endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
await raw.send(new CreateTableCommand(table));

const { dynamoStore, revocationItem, crlRecordId } = await import('../lib/store/index.js');
const { caIndexKey, key } = await import('../lib/store/keys.js');
const { newJob } = await import('../lib/jobs/index.js');
const { publishCrls, runPublishCrl } = await import('../lib/worker/revocation.js');
const { isActive } = await import('../lib/worker/caKey.js');
const { normaliseSerialHex } = await import('../lib/x509/index.js');
const { memoryWorker, pendingCa } = await import('../test/support/worker.js');
type CertificateRecord = import('../lib/store/index.js').CertificateRecord;

// The test support's worker context (in-memory key store, native driver), on the DynamoDB store.
const w = memoryWorker();
const ctx = { ...w.ctx, store: dynamoStore };

/** BatchWriteItem, 25 items a request, a few requests in flight; what dynalite leaves unprocessed is sent again. */
async function batchWrite(items: Array<Record<string, unknown>>): Promise<void> {
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const send = async (batch: Array<Record<string, unknown>>) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item: marshall(Item, { removeUndefinedValues: true }) } }));
    while (requests.length) {
      const out = await raw.send(new BatchWriteItemCommand({ RequestItems: { [String(table.TableName)]: requests } }));
      requests = (out.UnprocessedItems?.[String(table.TableName)] ?? []) as typeof requests;
    }
  };
  for (let i = 0; i < batches.length; i += 8) await Promise.all(batches.slice(i, i + 8).map(send));
}

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

// The CA, made by the worker (its create job), on the DynamoDB store.
const { ca: pending, job } = await pendingCa(w.store, P);
await dynamoStore.cas.create(pending);
await dynamoStore.jobs.create(job);
const { processJob } = await import('../lib/worker/index.js');
await processJob(JSON.stringify({ v: 1, jobId: job.id, projectId: P, kind: job.kind, params: job.params }), 1, 1, ctx);
const ca = (await dynamoStore.cas.get(P, pending.id))!;
if (!isActive(ca)) throw new Error(`the bench CA is ${ca.status}`);
const crlId = crlRecordId(ca.id);

/** `n` more certificate records of the CA, every fifth revoked and already on its CRL (REV# item). */
async function load(n: number): Promise<CertificateRecord[]> {
  const now = new Date().toISOString();
  const notAfter = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const items: Array<Record<string, unknown>> = [];
  const issued: CertificateRecord[] = [];
  for (let i = 0; i < n; i++) {
    const revoked = i % 5 === 0;
    const c: CertificateRecord = {
      id: randomUUID(), projectId: P, caId: ca.id, createdBy: 'bench', createdAt: now, updatedAt: now, jobId: randomUUID(), status: revoked ? 'revoked' : 'issued', sans: [`DNS:h${i}.bench.example`], ttlSeconds: 86400,
      serial: normaliseSerialHex(`7${randomBytes(15).toString('hex')}`), keyGeneration: 0, notBefore: now, notAfter, subject: `CN=h${i}.bench.example`,
      ...(revoked ? { revokedAt: now, revocationReason: 'keyCompromise' as const, crlRevokedAt: now, crlRevocationReason: 'keyCompromise' as const } : {}),
    };
    items.push({ ...key(P, 'CERT', c.id), gsi1pk: caIndexKey(P, ca.id), gsi1sk: `CERT#${c.id}`, ...c });
    if (revoked) items.push(revocationItem({ projectId: P, caId: ca.id, crlId, serial: c.serial!, crlRevokedAt: now, crlRevocationReason: 'keyCompromise', crlCertificateId: c.id }));
    else issued.push(c);
  }
  await batchWrite(items);
  return issued;
}

console.log(`== CRL growth: one EC P-256 CA in dynalite (in-process), a fifth of its certificates revoked; sizes ${SIZES.join(', ')} (BENCH_CRL_MAX=${MAX})`);
console.log('certificates | load (BatchWriteItem) | full CRL publication | CRL DER (chunks) | revoke 1 + publish | public CRL read | list 1 page (50)');
let loaded = 0;
const spare: CertificateRecord[] = [];
try {
  for (const size of SIZES) {
    let t = performance.now();
    spare.push(...(await load(size - loaded)));
    const loadMs = ms(t);
    loaded = size;

    t = performance.now();
    await publishCrls(ca, ctx, 'revoked');
    const publishMs = ms(t);
    const head = (await dynamoStore.crls.get(P, crlId))!;

    // One more revocation as POST /revoke records it, then its job (which names the certificate).
    const one = spare.pop()!;
    t = performance.now();
    await dynamoStore.certificates.update(P, one.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'superseded' }, ['issued']);
    const job = newJob('crl.publish', P, 'bench', { caId: ca.id, certificateId: one.id });
    await dynamoStore.jobs.create(job);
    const signaturesBefore = w.signatures();
    await runPublishCrl(job, ctx);
    const revokeMs = ms(t);
    const signed = w.signatures() - signaturesBefore;

    t = performance.now();
    const latest = (await dynamoStore.crls.get(P, crlId))!;
    const der = await dynamoStore.crls.der(latest);
    const readMs = ms(t);

    t = performance.now();
    const page = await dynamoStore.certificates.list(P, 50, undefined, ca.id);
    const listMs = ms(t);
    if (page.items.length !== 50) throw new Error(`a page of ${page.items.length} certificates`);

    const chunks = latest.derChunks ? `${latest.derChunks.count} chunks` : 'in its record';
    console.log(
      `${String(size).padStart(12)} | ${fmt(loadMs).padStart(21)} | ${fmt(publishMs).padStart(20)} | ${`${(der.length / 1024).toFixed(0)} KB (${chunks})`.padStart(16)} | ${`${fmt(revokeMs)}, ${signed} signatures`.padStart(18)} | ${fmt(readMs).padStart(15)} | ${fmt(listMs)}`,
    );
    if (head.crlNumber + 1 !== latest.crlNumber) throw new Error('the revocation did not publish the next CRL');
  }
} finally {
  await closeServer(db);
}
