import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_FIXTURES } from '../../dev/fixtures.js';
import { nativeDriver } from '../../lib/drivers/index.js';
import { caKeySecretName, keystoresFromEnv } from '../../lib/keystore/index.js';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { successorOf } from '../../lib/jobs/index.js';
import { documentClient } from '../../lib/store/client.js';
import { cas, certificates, dynamoStore, events, jobs } from '../../lib/store/index.js';
import { processJob, type WorkerContext } from '../../lib/worker/index.js';
import { api, barbicanEndpoint, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/**
 * The worker's re-checks, driven directly with crafted messages against the stack's store and
 * keystore (the queue-driven worker runs beside it and is not involved).
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';

let admin: string;
let adminProject: string;
let ca: any;
let ctx: WorkerContext;

async function pendingCertificate(): Promise<{ certificateId: string; jobId: string }> {
  const tmp = tempDir();
  const { csr } = makeCsr(tmp.dir, 'ec256', 'w.example.org', ['DNS:w.example.org']);
  tmp.cleanup();
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr } });
  await waitForJob(admin, res.body.job.id);
  return { certificateId: res.body.certificate.id, jobId: res.body.job.id };
}

beforeAll(async () => {
  admin = await keystoneToken('admin', 'secret', 'admin');
  ca = await createActiveCa(admin, { subject: { CN: 'Worker Test Root' } });
  // The project id comes from Keystone, as the API learns it.
  const res = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': admin } });
  adminProject = ((await res.json()) as any).token.project.id;
  ctx = { store: dynamoStore, ...keystoresFromEnv(), driver: nativeDriver, now: () => new Date() };
});

const message = (fields: Record<string, unknown>) => JSON.stringify({ v: 1, kind: 'certificate.issue', ...fields });

describe('the worker never trusts a message', () => {
  it('refuses a job that does not exist', async () => {
    const body = message({ jobId: crypto.randomUUID(), projectId: adminProject, params: { caId: ca.id, certificateId: crypto.randomUUID() } });
    expect(await processJob(body, 1, 5, ctx)).toBe('refused');
  });

  it('records each refusal as an event of the project the message names', async () => {
    const jobId = crypto.randomUUID();
    const body = message({ jobId, projectId: adminProject, params: { caId: ca.id, certificateId: crypto.randomUUID() } });
    expect(await processJob(body, 1, 5, ctx)).toBe('refused');
    const { body: answer } = await api('GET', `/v1/events?action=job.refused&object_id=${jobId}`, { token: admin });
    expect(answer.events).toHaveLength(1);
    expect(answer.events[0].reason).toContain('does not exist');
  });

  it('refuses a real job named under another project', async () => {
    const { jobId, certificateId } = await pendingCertificate();
    const bobProject = 'someone-else';
    expect(await processJob(message({ jobId, projectId: bobProject, params: { caId: ca.id, certificateId } }), 1, 5, ctx)).toBe('refused');
  });

  it('refuses a message whose parameters differ from the stored job', async () => {
    const { jobId } = await pendingCertificate();
    const other = await pendingCertificate();
    const out = await processJob(message({ jobId, projectId: adminProject, params: { caId: ca.id, certificateId: other.certificateId } }), 1, 5, ctx);
    expect(out).toBe('refused');
  });

  it('refuses an unknown schema version or kind', async () => {
    const { jobId, certificateId } = await pendingCertificate();
    expect(await processJob(JSON.stringify({ v: 2, kind: 'certificate.issue', jobId, projectId: adminProject, params: { caId: ca.id, certificateId } }), 1, 5, ctx)).toBe('refused');
    expect(await processJob(JSON.stringify({ v: 1, kind: 'ca.create', jobId, projectId: adminProject, params: { caId: ca.id } }), 1, 5, ctx)).toBe('refused');
  });

  it('does not run a succeeded job again: a second delivery issues nothing new', async () => {
    const { jobId, certificateId } = await pendingCertificate();
    const before = await certificates.get(adminProject, certificateId);
    expect(before?.status).toBe('issued');
    const out = await processJob(message({ jobId, projectId: adminProject, params: { caId: ca.id, certificateId } }), 2, 5, ctx);
    expect(out).toBe('skipped');
    const after = await certificates.get(adminProject, certificateId);
    expect(after?.serial).toBe(before?.serial);
    expect(after?.certificatePem).toBe(before?.certificatePem);
  });

  it('re-running an interrupted job (record reset to running) keeps the first certificate', async () => {
    const { jobId, certificateId } = await pendingCertificate();
    const first = await certificates.get(adminProject, certificateId);
    await jobs.update(adminProject, jobId, { status: 'running' });
    const out = await processJob(message({ jobId, projectId: adminProject, params: { caId: ca.id, certificateId } }), 2, 5, ctx);
    expect(out).toBe('succeeded');
    expect((await certificates.get(adminProject, certificateId))?.serial).toBe(first?.serial);
  });

  it('refuses to sign with a key reference swapped to another CA’s key', async () => {
    const other = await createActiveCa(admin, { subject: { CN: 'Other Root' } });
    const otherRecord = await cas.get(adminProject, other.id);
    const mine = await cas.get(adminProject, ca.id);
    await cas.update(adminProject, ca.id, { keyRef: otherRecord!.keyRef });
    try {
      const tmp = tempDir();
      const { csr } = makeCsr(tmp.dir, 'ec256', 'swap.example.org', ['DNS:swap.example.org']);
      tmp.cleanup();
      const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr } });
      const job = await waitForJob(admin, res.body.job.id);
      expect(job.status).toBe('failed');
      expect(job.reason).toContain('KEY_REF_MISMATCH');
      const cert = await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: admin });
      expect(cert.body.certificate.status).toBe('failed');
      expect(cert.body.certificate.certificate).toBeNull();
    } finally {
      await cas.update(adminProject, ca.id, { keyRef: mine!.keyRef });
    }
  });

  it('refuses a tenant’s look-alike secret named like the CA key and shared with the service user', async () => {
    // Alice stores her own key under the CA key's name and grants the worker's user read access.
    const alice = await keystoneToken('alice', 'apass', 'tenant-a');
    const der = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    const stored = await fetch(`${await barbicanEndpoint(alice)}/v1/secrets`, {
      method: 'POST',
      headers: { 'X-Auth-Token': alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: caKeySecretName(adminProject, ca.id), payload: der.toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64', secret_type: 'private' }),
    });
    expect(stored.status).toBe(201);
    const { secret_ref } = (await stored.json()) as { secret_ref: string };
    const acl = await fetch(`${secret_ref}/acl`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': alice, 'Content-Type': 'application/json' },
      body: JSON.stringify({ read: { users: [DEV_FIXTURES.users.caworker.id], 'project-access': true } }),
    });
    expect(acl.status).toBe(200);

    const mine = await cas.get(adminProject, ca.id);
    await cas.update(adminProject, ca.id, { keyRef: secret_ref });
    try {
      const fresh = { store: dynamoStore, ...keystoresFromEnv(), driver: nativeDriver, now: () => new Date() };
      await expect(fresh.keys.load(adminProject, ca.id, secret_ref)).rejects.toMatchObject({ code: 'KEY_REF_MISMATCH', message: expect.stringMatching(/not created by this service/) });
    } finally {
      await cas.update(adminProject, ca.id, { keyRef: mine!.keyRef });
    }
  });

  it('two concurrent deliveries of one message, against the real store: one claims and signs, the other signs nothing', async () => {
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'race.example.org', ['DNS:race.example.org']);
    tmp.cleanup();
    const { fresh, job } = successorOf({ ...(await certificates.get(adminProject, (await pendingCertificate()).certificateId))!, csrPem: csr, sans: ['DNS:race.example.org'] }, {});
    await certificates.create(fresh);
    await jobs.create(job);
    const body = message({ jobId: job.id, projectId: adminProject, params: job.params });
    const outcomes = await Promise.all([processJob(body, 1, 5, ctx), processJob(body, 1, 5, ctx)]);
    // The other finds the claim held (busy: its message comes back) or, if it came late, the job done.
    expect(outcomes.sort()).toEqual([expect.stringMatching(/^(busy|skipped)$/), 'succeeded']);
    const issued = await certificates.get(adminProject, fresh.id);
    expect(issued).toMatchObject({ status: 'issued' });
    expect(issued?.claimToken).toBeUndefined();
    const { body: trail } = await api('GET', `/v1/events?action=certificate.issued&object_id=${fresh.id}`, { token: admin });
    expect(trail.events).toHaveLength(1);
  });

  it('refuses, with an alarm, a CA item copied unchanged into another project, signing nothing', async () => {
    const otherProject = `copy-${crypto.randomUUID().slice(0, 8)}`;
    const item = (await documentClient().send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: `P#${adminProject}`, sk: `CA#${ca.id}` } }))).Item!;
    await documentClient().send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { ...item, pk: `P#${otherProject}` } }));
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'copy.example.org', ['DNS:copy.example.org']);
    tmp.cleanup();
    const { fresh, job } = successorOf({ ...(await certificates.get(adminProject, (await pendingCertificate()).certificateId))!, projectId: otherProject, csrPem: csr, sans: ['DNS:copy.example.org'] }, {});
    await certificates.create(fresh);
    await jobs.create(job);
    expect(await processJob(message({ jobId: job.id, projectId: otherProject, params: job.params }), 1, 5, ctx)).toBe('refused');
    const after = await certificates.get(otherProject, fresh.id);
    expect(after?.certificatePem).toBeUndefined();
    expect(after?.failureReason).toMatch(/STORE_RECORD_MISBOUND/);
    const alarms = await events.list(otherProject, 10, undefined, (e) => e.action === 'issuance.alarm');
    expect(alarms.items).toHaveLength(1);
  });
});

