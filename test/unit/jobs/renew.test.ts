import { afterAll, describe, expect, it } from 'vitest';
import { renewDue, RENEWAL_CLAIM_LEASE_MS, type JobMessage, type RenewalRun } from '../../../lib/jobs/index.js';
import type { CertificateRecord, JobRecord } from '../../../lib/store/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * The scheduler's renewals on the in-memory store (DynamoDB's conditional writes): however many
 * runs overlap, a due certificate gets exactly one successor and one job, and the runs that lose
 * leave nothing in the tenant's lists.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

const records = <T>(w: MemoryWorker, kind: string) => [...w.store.raw.entries()].filter(([k]) => k.startsWith(`${kind}|${P}|`)).map(([, v]) => v as unknown as T);

/** An issued certificate that renews at half its lifetime. */
async function renewable(w: MemoryWorker): Promise<CertificateRecord> {
  const ca = await activeRoot(w, P);
  const { csr } = makeCsr(tmp.dir, 'ec256', 'renew.example.org', ['DNS:renew.example.org']);
  const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:renew.example.org'], ttlSeconds: 2 * 86400, renewal: { percent: 50 } });
  expect(await w.run(job)).toBe('succeeded');
  return (await w.store.certificates.get(P, cert.id))!;
}

function scheduler(w: MemoryWorker, now: Date, send?: RenewalRun['send']): RenewalRun & { sent: JobMessage[] } {
  const sent: JobMessage[] = [];
  return { store: w.store, now, sent, send: send ?? (async (m) => void sent.push(m)) };
}

const successorsOf = (w: MemoryWorker, id: string) => records<CertificateRecord>(w, 'CERT').filter((c) => c.renewedFrom === id);
const renewalJobs = (w: MemoryWorker, old: CertificateRecord) => records<JobRecord>(w, 'JOB').filter((j) => j.kind === 'certificate.issue' && j.id !== old.jobId);

describe('renewal runs', () => {
  it('two runs at once: one successor certificate and one job, nothing failed', async () => {
    const w = memoryWorker();
    const old = await renewable(w);
    const at = new Date(Date.parse(old.renewAt!) + 60_000);
    const runs = [scheduler(w, at), scheduler(w, at)];
    const results = await Promise.all(runs.map(renewDue));
    expect(results.reduce((n, r) => n + r.renewed, 0)).toBe(1);

    const [fresh, ...others] = successorsOf(w, old.id);
    expect(others).toEqual([]);
    expect(renewalJobs(w, old).map((j) => j.id)).toEqual([fresh.jobId]);
    expect(records<CertificateRecord>(w, 'CERT').filter((c) => c.status === 'failed')).toEqual([]);
    expect(records<JobRecord>(w, 'JOB').filter((j) => j.status === 'failed')).toEqual([]);
    expect((await w.store.certificates.get(P, old.id))!.renewedBy).toBe(fresh.id);

    const sent = runs.flatMap((r) => r.sent);
    expect(sent.map((m) => m.jobId)).toEqual([fresh.jobId]);
    expect(await w.run((await w.store.jobs.get(P, fresh.jobId))!)).toBe('succeeded');
    expect((await w.store.certificates.get(P, fresh.id))!.status).toBe('issued');
    // Renewed: a later run does not renew it again.
    await renewDue(scheduler(w, new Date(at.getTime() + 60_000)));
    expect(successorsOf(w, old.id)).toHaveLength(1);
  });

  it('a run that stops after its claim: the first run after the lease writes the claimed successor, once', async () => {
    const w = memoryWorker();
    const old = await renewable(w);
    const at = new Date(Date.parse(old.renewAt!) + 60_000);
    // The run dies before it writes the successor (its write throws).
    const dying = scheduler(w, at);
    dying.store = { ...w.store, certificates: { ...w.store.certificates, create: async () => Promise.reject(new Error('the function stopped')) } };
    expect((await renewDue(dying)).renewed).toBe(0);
    const claim = (await w.store.certificates.get(P, old.id))!.renewalClaim!;
    expect(claim.at).toBe(at.toISOString());
    expect(successorsOf(w, old.id)).toEqual([]);

    // Within the lease the claim is the stopped run's: nobody writes a second successor.
    expect((await renewDue(scheduler(w, new Date(at.getTime() + 60_000)))).renewed).toBe(0);
    expect(successorsOf(w, old.id)).toEqual([]);

    const later = new Date(at.getTime() + RENEWAL_CLAIM_LEASE_MS + 60_000);
    const runs = [scheduler(w, later), scheduler(w, later)];
    expect((await Promise.all(runs.map(renewDue))).reduce((n, r) => n + r.renewed, 0)).toBe(1);
    expect(successorsOf(w, old.id).map((c) => [c.id, c.jobId])).toEqual([[claim.certificateId, claim.jobId]]);
    expect(renewalJobs(w, old).map((j) => j.id)).toEqual([claim.jobId]);
    expect(runs.flatMap((r) => r.sent).map((m) => m.jobId)).toEqual([claim.jobId]);
    expect(await w.store.certificates.get(P, old.id)).toMatchObject({ renewedBy: claim.certificateId });
    expect((await w.store.certificates.get(P, old.id))!.renewalClaim).toBeUndefined();
  });

  it('a job the queue refused: nothing failed, sent again by the first run after the lease', async () => {
    const w = memoryWorker();
    const old = await renewable(w);
    const at = new Date(Date.parse(old.renewAt!) + 60_000);
    expect((await renewDue(scheduler(w, at, async () => Promise.reject(new Error('queue down'))))).renewed).toBe(0);
    const [fresh] = successorsOf(w, old.id);
    expect(fresh.status).toBe('pending');
    expect((await w.store.jobs.get(P, fresh.jobId))!.status).toBe('queued');

    const retry = scheduler(w, new Date(at.getTime() + RENEWAL_CLAIM_LEASE_MS + 60_000));
    expect((await renewDue(retry)).renewed).toBe(1);
    expect(retry.sent.map((m) => m.jobId)).toEqual([fresh.jobId]);
    expect(successorsOf(w, old.id)).toHaveLength(1);
    expect(records<CertificateRecord>(w, 'CERT').filter((c) => c.status === 'failed')).toEqual([]);
  });
});
