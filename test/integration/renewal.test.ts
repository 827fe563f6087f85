import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/**
 * Certificates that renew themselves: the scheduler (invoked as AWS would, with the clock moved
 * forward instead of sleeping) finds what is due through the renewal index and queues a new
 * certificate from the stored CSR; runs never renew twice.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let alice: string;
let ca: any;

/** One run of the scheduled function at `now`. */
async function renewAt(now: Date): Promise<{ due: number; renewed: number }> {
  const res = await fetch(`http://127.0.0.1:${process.env.LAMBDA_PORT}/2015-03-31/functions/openstack-ca-local-renewDue/invocations`, { method: 'POST', body: JSON.stringify({ now: now.toISOString() }) });
  expect(res.status).toBe(200);
  return res.json() as Promise<{ due: number; renewed: number }>;
}

async function issue(body: Record<string, unknown>) {
  const { csr } = makeCsr(tmp.dir, 'ec256', 'auto.example.org', ['DNS:auto.example.org']);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr, ...body } });
  expect(res.status).toBe(202);
  expect((await waitForJob(alice, res.body.job.id)).status).toBe('succeeded');
  return (await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate;
}

const get = async (id: string) => (await api('GET', `/v1/certificates/${id}`, { token: alice })).body.certificate;

beforeAll(async () => {
  const admin = await keystoneToken('admin', 'secret', 'tenant-a');
  alice = await keystoneToken('alice', 'apass', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'Renewal Root' } });
});

describe('renewal', () => {
  it('schedules from the setting: half of a 2-day lifetime, or 30 days of a 90-day one', async () => {
    const half = await issue({ ttl: '48h', renewal: { percent: 50 } });
    expect(Date.parse(half.not_after) - Date.parse(half.renew_at)).toBeCloseTo((Date.parse(half.not_after) - Date.parse(half.not_before)) / 2, -3);
    const days = await issue({ ttl: '90d', renewal: { days: 30, percent: 10 } });
    expect(Date.parse(days.not_after) - Date.parse(days.renew_at)).toBe(30 * 86_400_000);
    expect((await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr: 'x', renewal: {} } })).body.error.code).toBe('BODY_INVALID');
  });

  it('renews once when due: a new certificate from the same CSR, linked both ways; a second run does nothing', async () => {
    const cert = await issue({ ttl: '48h', renewal: { percent: 50 } });
    const due = new Date(cert.renew_at);
    // Other certificates of this file may be due earlier; this one is not yet.
    await renewAt(new Date(due.getTime() - 60_000));
    expect((await get(cert.id)).renewed_by).toBeNull();

    // Two scheduler runs at once: exactly one renewal between them.
    const runs = await Promise.all([renewAt(new Date(due.getTime() + 60_000)), renewAt(new Date(due.getTime() + 60_000))]);
    expect(runs.reduce((n, r) => n + r.renewed, 0)).toBeGreaterThanOrEqual(1);
    let old = await get(cert.id);
    for (let i = 0; i < 100 && !old.renewed_by; i++) old = await get(cert.id);
    expect(old.renewed_by).toMatch(/^[0-9a-f-]{36}$/);
    let fresh = await get(old.renewed_by);
    for (let i = 0; i < 200 && fresh.status !== 'issued'; i++) fresh = await get(old.renewed_by);
    expect(fresh).toMatchObject({ status: 'issued', renewed_from: cert.id, sans: cert.sans, renewal: { percent: 50 } });
    expect(fresh.serial).not.toBe(cert.serial);
    expect(new X509Certificate(fresh.certificate).publicKey.export({ type: 'spki', format: 'der' }).equals(new X509Certificate(cert.certificate).publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    // Its own renewal time, from its own validity (issued within the same second, it may equal the old one's).
    const life = Date.parse(fresh.not_after) - Date.parse(fresh.not_before);
    expect(Date.parse(fresh.renew_at)).toBe(Date.parse(fresh.not_after) - life / 2);
    expect(fresh.renew_at >= cert.renew_at).toBe(true);

    await renewAt(new Date(due.getTime() + 120_000));
    const listed = await api('GET', `/v1/certificates?ca_id=${ca.id}&limit=100`, { token: alice });
    expect(listed.body.certificates.filter((c: any) => c.renewed_from === cert.id)).toHaveLength(1);
    const events = await api('GET', `/v1/events?action=certificate.renewed&limit=50`, { token: alice });
    expect(events.body.events.some((e: any) => e.object.id === fresh.id)).toBe(true);
  });

  it('runs at once over several due certificates: one successor and one job each, no failed record in the lists', async () => {
    const certs = await Promise.all([1, 2, 3].map(() => issue({ ttl: '48h', renewal: { percent: 50 } })));
    const at = new Date(Math.max(...certs.map((c) => Date.parse(c.renew_at))) + 60_000);
    await Promise.all([renewAt(at), renewAt(at), renewAt(at)]);
    const listed = (await api('GET', `/v1/certificates?ca_id=${ca.id}&limit=100`, { token: alice })).body.certificates;
    for (const cert of certs) {
      const successors = listed.filter((c: any) => c.renewed_from === cert.id);
      expect(successors, cert.id).toHaveLength(1);
      expect((await get(cert.id)).renewed_by).toBe(successors[0].id);
      expect((await waitForJob(alice, successors[0].job_id)).status).toBe('succeeded');
    }
    // A run that lost wrote nothing: no failed certificate (nor its job) in the tenant's list.
    expect(listed.filter((c: any) => c.status === 'failed').map((c: any) => c.failure_reason)).toEqual([]);
  });

  it('does not renew a revoked certificate', async () => {
    const cert = await issue({ ttl: '48h', renewal: { percent: 50 } });
    expect((await api('POST', `/v1/certificates/${cert.id}/revoke`, { token: alice, body: {} })).status).toBe(200);
    await renewAt(new Date(Date.parse(cert.renew_at) + 60_000));
    expect((await get(cert.id)).renewed_by).toBeNull();
  });
});

describe('expiry notices', () => {
  it('tells the owner 30, 7 and 1 days ahead, each once', async () => {
    const cert = await issue({ ttl: '40d' });
    const notAfter = Date.parse(cert.not_after);
    const notices = async () => (await api('GET', `/v1/events?action=certificate.expiring&object_id=${cert.id}&limit=10`, { token: alice })).body.events;
    await renewAt(new Date(notAfter - 31 * 86_400_000));
    expect(await notices()).toHaveLength(0);
    const at30 = new Date(notAfter - 30 * 86_400_000 + 60_000);
    await Promise.all([renewAt(at30), renewAt(at30)]);
    expect((await notices()).map((e: any) => e.detail.days_to_expiry)).toEqual([30]);
    await renewAt(new Date(notAfter - 7 * 86_400_000 + 60_000));
    await renewAt(new Date(notAfter - 86_400_000 + 60_000));
    await renewAt(new Date(notAfter - 86_400_000 + 120_000));
    const all = await notices();
    expect(all.map((e: any) => e.detail.days_to_expiry)).toEqual([1, 7, 30]);
    expect(all[0].reason).toMatch(/expires in 1 day,/);
  });
});
