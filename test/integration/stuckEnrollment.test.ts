import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollments } from '../../lib/store/index.js';
import { ISSUING_GRACE_MS } from '../../lib/store/keys.js';
import { api, keystoneToken, systemToken } from '../support/api.js';
import { createLoginCa, userIdOf, waitForEnrollment } from '../support/enrollment.js';
import { tempDir } from '../support/openssl.js';
import { machineCsr } from '../support/userCerts.js';

/**
 * An enrollment function that stops right after its redemption's conditional write (the
 * enrollment `issuing`, its certificate request never written) is finished by the scheduler once
 * the grace period is over: on the local stack, through DynamoDB's sweep index.
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let sysAdmin: string;
let loginCa: any;

beforeAll(async () => {
  sysAdmin = await systemToken('admin', 'secret');
  loginCa = await createLoginCa(sysAdmin, { name: 'Stuck Enrollment Login CA' });
});

async function scheduler(now: Date): Promise<{ enrollmentsCompleted: number }> {
  const res = await fetch(`http://127.0.0.1:${process.env.LAMBDA_PORT}/2015-03-31/functions/openstack-ca-local-renewDue/invocations`, { method: 'POST', body: JSON.stringify({ now: now.toISOString() }) });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ enrollmentsCompleted: number }>;
}

describe('an enrollment left issuing', () => {
  it('is completed by the scheduler after the grace period: its certificate issued', async () => {
    const userId = await userIdOf(await keystoneToken('alice', 'apass', 'tenant-a'));
    const created = await api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: sysAdmin, body: { user_id: userId } });
    expect(created.status).toBe(201);
    const e = created.body.enrollment;
    // What POST /redeem writes before it writes the certificate request; the function stops here.
    const machine = machineCsr(tmp.dir);
    const ids = { certificateId: crypto.randomUUID(), jobId: crypto.randomUUID() };
    await enrollments.advance('system', e.id, 'pending', 0, { otpSha256: undefined, csrPem: machine.csr.trim(), csrSha256: machine.sha256, redeemedAt: new Date().toISOString(), status: 'issuing', ...ids });
    expect((await api('GET', `/v1/enrollments/${e.id}`)).body.enrollment).toMatchObject({ status: 'issuing', certificate_id: ids.certificateId });

    // Within the grace period it is left alone (a live front end may still be writing).
    await scheduler(new Date(Date.now() + ISSUING_GRACE_MS - 60_000));
    expect((await api('GET', `/v1/enrollments/${e.id}`)).body.enrollment.status).toBe('issuing');

    expect((await scheduler(new Date(Date.now() + ISSUING_GRACE_MS + 60_000))).enrollmentsCompleted).toBeGreaterThanOrEqual(1);
    const done = await waitForEnrollment(e.id);
    expect(done).toMatchObject({ status: 'issued', certificate_id: ids.certificateId });
    expect(done.certificate).toMatch(/BEGIN CERTIFICATE/);
    // Checked once: a later run finds nothing of it to do.
    expect((await scheduler(new Date(Date.now() + ISSUING_GRACE_MS + 120_000))).enrollmentsCompleted).toBe(0);
  });
});
