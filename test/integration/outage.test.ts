import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeDriver } from '../../lib/drivers/index.js';
import { successorOf } from '../../lib/jobs/index.js';
import { keystoresFromEnv } from '../../lib/keystore/index.js';
import { certificates, dynamoStore, jobs } from '../../lib/store/index.js';
import { processJob, type WorkerContext } from '../../lib/worker/index.js';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/**
 * Barbican down during a renewal: the job is retried while attempts remain (the queue brings it
 * back, then its dead-letter queue keeps it), fails with a readable reason after the last one, and
 * the old certificate stays valid, goes back in the renewal index and the failure is reported.
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let alice: string;
let old: any;
let projectId: string;

beforeAll(async () => {
  const admin = await keystoneToken('admin', 'secret', 'tenant-a');
  alice = await keystoneToken('alice', 'apass', 'tenant-a');
  const ca = await createActiveCa(admin, { subject: { CN: 'Outage Root' } });
  const { csr } = makeCsr(tmp.dir, 'ec256', 'outage.example.org', ['DNS:outage.example.org']);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr, ttl: '48h', renewal: { percent: 50 } } });
  await waitForJob(alice, res.body.job.id);
  old = (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
  const me = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': alice, 'X-Subject-Token': alice } });
  projectId = ((await me.json()) as any).token.project.id;
});

describe('a renewal while Barbican is down', () => {
  it('is retried, then fails with a readable reason, and the old certificate is re-armed and the owner told', async () => {
    const record = (await certificates.get(projectId, old.id))!;
    const { fresh, job } = successorOf(record, { renewedFrom: record.id });
    await certificates.create(fresh);
    await jobs.create(job);
    // A worker whose Barbican cannot be reached (nothing listens on port 1).
    const down: WorkerContext = { store: dynamoStore, ...keystoresFromEnv({ ...process.env, BARBICAN_URL: 'http://127.0.0.1:1' }), driver: nativeDriver, now: () => new Date() };
    const message = JSON.stringify({ v: 1, jobId: job.id, projectId, kind: 'certificate.issue', params: job.params });

    expect(await processJob(message, 1, 3, down)).toBe('retry');
    expect((await jobs.get(projectId, job.id))?.reason).toMatch(/attempt 1 of 3 failed: Barbican could not be reached; retrying/);
    expect(await processJob(message, 2, 3, down)).toBe('retry');
    expect(await processJob(message, 3, 3, down)).toBe('failed');
    expect((await jobs.get(projectId, job.id))?.reason).toMatch(/^gave up after 3 attempts: Barbican could not be reached/);

    const after = (await api('GET', `/v1/certificates/${old.id}`, { token: alice })).body.certificate;
    expect(after.status).toBe('issued');
    expect(Date.parse(after.renew_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    const events = (await api('GET', `/v1/events?action=certificate.renewal_failed&object_id=${old.id}`, { token: alice })).body.events;
    expect(events).toHaveLength(1);
    expect(events[0].reason).toMatch(/^attempt 1: gave up after 3 attempts: Barbican could not be reached; next attempt at /);
  });
});
