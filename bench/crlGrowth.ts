/**
 * `npm run bench` (last part): a CA that grows. ONE CA (EC P-256, a real key, the native driver)
 * in dynalite started in this process (as scripts/stack.ts starts it, the table of serverless.yml),
 * loaded with BatchWriteItem to 10^3, 10^4 and 10^5 certificate records, a fifth of them revoked
 * and recorded (REV# items, on the generation's full CRL and on their partition's), with their
 * search lookup items. The CA issues 1,000 certificates a day (their notAfter 1,000 to a day), so a
 * day's partition CRL holds 1,000 certificates however large the CA. Per size, through the worker's
 * own code (processJob, publishCrls, runPublishCrl with a WorkerContext on the DynamoDB store): a
 * full CRL publication (time, DER size, chunks); one more certificate issued (its partition CRL
 * exists then), revoked and published (its partition and the full CRL), and each of those two CRLs
 * alone; reading the CRL as the public route does; one page of the CA's certificates; search by
 * SAN, SAN suffix, serial and a day's expiry window. BENCH_CRL=0 skips it; BENCH_CRL_MAX (default
 * 100000) caps the sizes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeServer } from '../dev/http.js';
import { serverlessResources } from '../scripts/stack.js';
import { makeCsr, tempDir } from '../test/support/openssl.js';

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
const { crlPartitionFor, crlNameInCertificate } = await import('../lib/ca/index.js');
const { pointerSortKeys } = await import('../lib/store/search/entries.js');
const { caIndexKey, key } = await import('../lib/store/keys.js');
const { batchPut } = await import('../lib/store/batch.js');
const { newJob } = await import('../lib/jobs/index.js');
const { publishCrls, runPublishCrl } = await import('../lib/worker/revocation.js');
const { generationsFor, publishCrl } = await import('../lib/worker/crlPublish.js');
const { isActive } = await import('../lib/worker/caKey.js');
const { normaliseSerialHex } = await import('../lib/x509/index.js');
const { memoryWorker, pendingCa, pendingCertificate } = await import('../test/support/worker.js');
type CertificateRecord = import('../lib/store/index.js').CertificateRecord;

// The test support's worker context (in-memory key store, native driver), on the DynamoDB store;
// with a public URL, so leaves carry their (partition) CRL's distribution point.
const w = memoryWorker({ publicUrl: 'https://ca.bench.example' });
const ctx = { ...w.ctx, store: dynamoStore };

/** The store's BatchWriteItem (25 items a request, what dynalite leaves unprocessed sent again), 8 slices in flight. */
async function batchWrite(items: Array<Record<string, unknown>>): Promise<void> {
  const slice = Math.ceil(items.length / 8);
  await Promise.all(Array.from({ length: 8 }, (_, k) => batchPut(items.slice(k * slice, (k + 1) * slice))));
}

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

// The CA, made by the worker (its create job), on the DynamoDB store.
const { ca: pending, job } = await pendingCa(w.store, P);
await dynamoStore.cas.create(pending);
await dynamoStore.jobs.create(job);
const { processJob } = await import('../lib/worker/index.js');
const tmp = tempDir();
await processJob(JSON.stringify({ v: 1, jobId: job.id, projectId: P, kind: job.kind, params: job.params }), 1, 1, ctx);
const ca = (await dynamoStore.cas.get(P, pending.id))!;
if (!isActive(ca)) throw new Error(`the bench CA is ${ca.status}`);
const crlId = crlRecordId(ca.id);

const DAY = 86_400_000;
const PER_DAY = 1000;
const TTL_DAYS = 30;
/** The first day of notAfter: that of a certificate issued now for TTL_DAYS (the one revoked at each size). */
const firstDay = Math.floor((Date.now() + TTL_DAYS * DAY) / DAY) * DAY;

/**
 * Certificate records i = from … to-1 of the CA, PER_DAY to a day of notAfter from firstDay on, every
 * fifth revoked and already on its CRLs (REV# items: the full CRL's and its partition's), each with
 * its search lookup items (SAN, SERIAL, NOTAFTER, PROFILE).
 */
async function load(from: number, to: number): Promise<CertificateRecord[]> {
  const now = new Date().toISOString();
  const items: Array<Record<string, unknown>> = [];
  const issued: CertificateRecord[] = [];
  for (let i = from; i < to; i++) {
    const revoked = i % 5 === 0;
    const notAfter = new Date(firstDay + Math.floor(i / PER_DAY) * DAY + (i % PER_DAY) * (DAY / PER_DAY));
    const c: CertificateRecord = {
      id: randomUUID(), projectId: P, caId: ca.id, createdBy: 'bench', createdAt: now, updatedAt: now, jobId: randomUUID(), status: revoked ? 'revoked' : 'issued', sans: [`DNS:h${i}.bench.example`], ttlSeconds: 86400,
      serial: normaliseSerialHex(`7${randomBytes(15).toString('hex')}`), keyGeneration: 0, notBefore: now, notAfter: notAfter.toISOString(), subject: `CN=h${i}.bench.example`, profile: 'default',
      ...(revoked ? { revokedAt: now, revocationReason: 'keyCompromise' as const, crlRevokedAt: now, crlRevocationReason: 'keyCompromise' as const } : {}),
    };
    items.push({ ...key(P, 'CERT', c.id), gsi1pk: caIndexKey(P, ca.id), gsi1sk: `CERT#${c.id}`, ...c });
    for (const sk of pointerSortKeys(c)) items.push({ pk: `P#${P}`, sk, projectId: P, certificateId: c.id });
    if (revoked) {
      const r = { projectId: P, caId: ca.id, crlId, serial: c.serial!, crlRevokedAt: now, crlRevocationReason: 'keyCompromise' as const, crlCertificateId: c.id };
      items.push(revocationItem(r), revocationItem({ ...r, crlId: crlRecordId(ca.id, crlPartitionFor(undefined, notAfter)!.name) }));
    } else issued.push(c);
  }
  await batchWrite(items);
  return issued;
}

/** One certificate issued by the worker (a CSR, TTL_DAYS): its job, as the API queues it. */
async function issueOne(n: number): Promise<CertificateRecord> {
  const cn = `revoke-${n}.bench.example`;
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const { cert, job: j } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: [`DNS:${cn}`], ttlSeconds: TTL_DAYS * 86400 });
  await dynamoStore.certificates.create(cert);
  await dynamoStore.jobs.create(j);
  const outcome = await processJob(JSON.stringify({ v: 1, jobId: j.id, projectId: P, kind: j.kind, params: j.params }), 1, 1, ctx);
  if (outcome !== 'succeeded') throw new Error(`issuing the certificate to revoke: ${outcome}`);
  return (await dynamoStore.certificates.get(P, cert.id))!;
}

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const v = await f();
  return [v, ms(t)];
};

console.log(`== CRL growth: one EC P-256 CA in dynalite (in-process), a fifth of its certificates revoked; ${PER_DAY} certificates expire a day (CRL partitions of one day: CRL_PARTITION_DAYS=1); sizes ${SIZES.join(', ')} (BENCH_CRL_MAX=${MAX})`);
const rows: string[][] = [];
let loaded = 0;
try {
  for (const size of SIZES) {
    const [, loadMs] = await timed(() => load(loaded, size));
    loaded = size;
    const [, publishMs] = await timed(() => publishCrls(ca, ctx, 'revoked'));
    const head = (await dynamoStore.crls.get(P, crlId))!;

    // One more certificate, issued by the worker, then revoked as POST /revoke records it and its job (which names it) publishes.
    const one = await issueOne(size);
    const partition = crlNameInCertificate(one.certificatePem!)!;
    const partitionId = crlRecordId(ca.id, partition);
    await dynamoStore.certificates.update(P, one.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'superseded' }, ['issued']);
    const job = newJob('crl.publish', P, 'bench', { caId: ca.id, certificateId: one.id });
    await dynamoStore.jobs.create(job);
    const signaturesBefore = w.signatures();
    const [, revokeMs] = await timed(() => runPublishCrl(job, ctx));
    const signed = w.signatures() - signaturesBefore;
    // Each of the two CRLs that job signed, once more alone.
    const gens = generationsFor(ca, ctx);
    const [partEntries, partMs] = await timed(() => publishCrl(gens, gens.list[0], ctx, { name: partition }));
    const [, fullMs] = await timed(() => publishCrl(gens, gens.list[0], ctx));

    const [der, readMs] = await timed(async () => dynamoStore.crls.der((await dynamoStore.crls.get(P, crlId))!));
    const latest = (await dynamoStore.crls.get(P, crlId))!;
    const partDer = await dynamoStore.crls.der((await dynamoStore.crls.get(P, partitionId))!);
    const [page, listMs] = await timed(() => dynamoStore.certificates.list(P, 50, undefined, ca.id));
    if (page.items.length !== 50) throw new Error(`a page of ${page.items.length} certificates`);
    const probe = page.items.find((c) => c.serial && c.id !== one.id)!;
    const find = async (filters: Parameters<typeof dynamoStore.certificates.search>[1], want: (n: number) => boolean) => {
      const [found, t] = await timed(() => dynamoStore.certificates.search(P, filters, 50));
      if (!want(found.items.length)) throw new Error(`search ${JSON.stringify(filters)}: ${found.items.length} found`);
      return t;
    };
    const sanMs = await find({ san: probe.sans[0] }, (n) => n === 1);
    const suffixMs = await find({ sanSuffix: 'bench.example' }, (n) => n === 50);
    const serialMs = await find({ serial: normaliseSerialHex(probe.serial!) }, (n) => n === 1);
    const dayAfter = new Date(firstDay + 3 * DAY);
    const windowMs = await find({ expiresAfter: dayAfter.toISOString(), expiresBefore: new Date(dayAfter.getTime() + DAY).toISOString() }, (n) => n === (size >= 4 * PER_DAY ? 50 : 0));

    const chunks = latest.derChunks ? `${latest.derChunks.count} chunks` : 'in its record';
    rows.push([
      String(size), fmt(loadMs), fmt(publishMs), `${(der.length / 1024).toFixed(0)} KB (${chunks})`,
      `${fmt(revokeMs)}, ${signed} sig.`, `${fmt(partMs)}, ${partEntries.size} on it, ${(partDer.length / 1024).toFixed(0)} KB`, fmt(fullMs), fmt(readMs), fmt(listMs),
      `${fmt(sanMs)} / ${fmt(suffixMs)} / ${fmt(serialMs)} / ${fmt(windowMs)}`,
    ]);
    if (head.crlNumber + 1 >= latest.crlNumber) throw new Error('the revocation did not publish the next CRLs');
  }
  const header = ['certificates', 'load', 'full CRL publication', 'full CRL DER', 'revoke 1 (job)', 'its partition CRL alone', 'full CRL alone', 'public CRL read', 'list 1 page (50)', 'search: SAN / suffix (50) / serial / expiry day (50)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padStart(widths[i])).join(' | '));
  console.log('the revocation job signs the certificate\'s two OCSP answers, its partition\'s CRL and the full CRL; the partition\'s time follows one day\'s certificates, the full CRL\'s the CA\'s revocations');
} finally {
  tmp.cleanup();
  await closeServer(db);
}
