import { randomUUID, type KeyObject } from 'node:crypto';
import type { Driver } from '../../lib/drivers/index.js';
import { nativeDriver } from '../../lib/drivers/index.js';
import { AppError } from '../../lib/errors/index.js';
import { newJob } from '../../lib/jobs/index.js';
import { caKeySecretName, type DeliveredBundle } from '../../lib/keystore/index.js';
import { memoryStore, type CaRecord, type CertificateRecord, type JobRecord, type MemoryStore, type Store } from '../../lib/store/index.js';
import { processJob, type Outcome, type WorkerContext } from '../../lib/worker/index.js';

/**
 * The worker on an in-memory store, with key stores that keep what they are given in maps and
 * check key names on load as the Barbican key store does (so a key cannot be loaded under another
 * CA's name). Counts signatures, so tests can tell how often a CA key signed.
 */
export interface MemoryWorker {
  ctx: WorkerContext;
  store: MemoryStore;
  secrets: Map<string, { name: string; key: KeyObject }>;
  deliveries: DeliveredBundle[];
  /** `user|project` pairs that hold no role (everyone else does). */
  leftProject: Set<string>;
  signatures: () => number;
  run(job: JobRecord, attempt?: number, maxAttempts?: number): Promise<Outcome>;
}

export function memoryWorker(opts: { driver?: Driver; now?: () => Date; publicUrl?: string } = {}): MemoryWorker {
  const store = memoryStore();
  const secrets = new Map<string, { name: string; key: KeyObject }>();
  const deliveries: DeliveredBundle[] = [];
  const leftProject = new Set<string>();
  const inner = opts.driver ?? nativeDriver;
  let signatures = 0;
  const driver: Driver = { ...inner, name: inner.name, capabilities: inner.capabilities, sign: async (...args) => (signatures++, inner.sign(...args)) };
  if (inner.issue) driver.issue = async (r) => (signatures++, inner.issue!(r));
  const ctx: WorkerContext = {
    store,
    driver,
    now: opts.now ?? (() => new Date()),
    publicUrl: opts.publicUrl,
    keys: {
      save: async (projectId, caId, key) => {
        const ref = `https://barbican.test/v1/secrets/${randomUUID()}`;
        secrets.set(ref, { name: caKeySecretName(projectId, caId), key });
        return ref;
      },
      load: async (projectId, caId, ref) => {
        const s = secrets.get(ref);
        if (!s || s.name !== caKeySecretName(projectId, caId)) throw new AppError('KEY_REF_MISMATCH', 403, `the key reference of CA ${caId} does not name this CA's key`);
        return s.key;
      },
      remove: async (ref) => void secrets.delete(ref),
      find: async (projectId, caId) => [...secrets].filter(([, s]) => s.name === caKeySecretName(projectId, caId)).map(([ref]) => ref),
    },
    membership: { holdsRoleOn: async (userId, projectId) => !leftProject.has(`${userId}|${projectId}`) },
    tenantContainers: { readCertificateContainer: async () => Promise.reject(new Error('no tenant containers in this test')) },
    delivery: {
      deliver: async (b) => {
        deliveries.push(b);
        return `https://barbican.test/v1/containers/${randomUUID()}`;
      },
      discard: async (projectId, certificateId) => {
        const left = deliveries.filter((d) => d.projectId === projectId && d.certificateId === certificateId);
        deliveries.splice(0, deliveries.length, ...deliveries.filter((d) => !left.includes(d)));
        return left.length;
      },
    },
  };
  const run = (job: JobRecord, attempt = 1, maxAttempts = 5) =>
    processJob(JSON.stringify({ v: 1, jobId: job.id, projectId: job.projectId, kind: job.kind, params: job.params }), attempt, maxAttempts, ctx);
  return { ctx, store, secrets, deliveries, leftProject, signatures: () => signatures, run };
}

/** A pending CA and its job, as the API records them. */
export async function pendingCa(store: MemoryStore, projectId: string, fields: Partial<CaRecord> = {}): Promise<{ ca: CaRecord; job: JobRecord }> {
  const id = randomUUID();
  const job = newJob('ca.create', projectId, 'user-1', { caId: id });
  const ca: CaRecord = { id, projectId, createdBy: 'user-1', createdAt: job.createdAt, updatedAt: job.createdAt, name: 'Test CA', subject: { CN: 'Test CA' }, keyType: 'EC-P256', validityDays: 365, status: 'pending', jobId: job.id, ...fields };
  await store.cas.create(ca);
  await store.jobs.create(job);
  return { ca, job };
}

/** A pending certificate request and its job, as the API records them. */
export async function pendingCertificate(store: MemoryStore, projectId: string, caId: string, fields: Partial<CertificateRecord>): Promise<{ cert: CertificateRecord; job: JobRecord }> {
  const id = randomUUID();
  const job = newJob('certificate.issue', projectId, 'user-1', { caId, certificateId: id });
  const cert: CertificateRecord = { id, projectId, createdBy: 'user-1', createdAt: job.createdAt, updatedAt: job.createdAt, caId, jobId: job.id, status: 'pending', sans: [], ttlSeconds: 86400, profile: 'default', ...fields };
  await store.certificates.create(cert);
  await store.jobs.create(job);
  return { cert, job };
}

/** A `crl.publish` job of the CA (params: `certificateId` as a revocation queues it, `scope: 'all'` as the scheduler does), run to success. */
export async function publishCrlJob(w: MemoryWorker, projectId: string, caId: string, params: Record<string, string> = {}): Promise<void> {
  const job = newJob('crl.publish', projectId, 'user-1', { caId, ...params });
  await w.store.jobs.create(job);
  const outcome = await w.run(job);
  if (outcome !== 'succeeded') throw new Error(`crl.publish job ${outcome}: ${(await w.store.jobs.get(projectId, job.id))?.reason}`);
}

/** An active root CA of `projectId`, made by the worker itself. */
export async function activeRoot(w: MemoryWorker, projectId: string, fields: Partial<CaRecord> = {}): Promise<CaRecord> {
  const { ca, job } = await pendingCa(w.store, projectId, fields);
  const outcome = await w.run(job);
  if (outcome !== 'succeeded') throw new Error(`CA job ${outcome}: ${(await w.store.jobs.get(projectId, job.id))?.reason}`);
  return (await w.store.cas.get(projectId, ca.id))!;
}

/** A rotation of `caId` as POST /v1/cas/{id}/rotate records it: the job, and the CA marked with it. */
export async function rotationJob(w: MemoryWorker, projectId: string, caId: string): Promise<JobRecord> {
  const job = newJob('ca.rotate', projectId, 'user-1', { caId });
  await w.store.jobs.create(job);
  await w.store.cas.update(projectId, caId, { rotationJobId: job.id });
  return job;
}

type UpdateClaimed = Store['certificates']['updateClaimed'];

/**
 * An updateClaimed that does what workers before the single signed-and-issued write did when they
 * died after signing: the signed fields recorded, then no `issued` (once).
 */
export function signedThenDied(real: UpdateClaimed): UpdateClaimed {
  let died = false;
  return async (projectId, id, token, fields, release) => {
    if (!died && fields.status === 'issued' && fields.certificatePem) {
      died = true;
      const { status: _status, renewAt: _renewAt, ...signed } = fields;
      await real(projectId, id, token, signed);
      throw new Error('the worker died here');
    }
    return real(projectId, id, token, fields, release);
  };
}
