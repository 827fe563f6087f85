import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/** POST /v1/cas/{id}/reissue: every live certificate again, one idempotent job each. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let ca: any;
const live: any[] = [];

beforeAll(async () => {
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Reissue Root' } });
  for (const cn of ['one.example.org', 'two.example.org', 'gone.example.org']) {
    const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
    const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
    await waitForJob(alice, res.body.job.id);
    live.push((await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice })).body.certificate);
  }
  await api('POST', `/v1/certificates/${live[2].id}/revoke`, { token: alice, body: {} });
});

describe('reissue', () => {
  it('is for admins', async () => {
    expect((await api('POST', `/v1/cas/${ca.id}/reissue`, { token: alice })).body.error.code).toBe('POLICY_DENIED:ca:cas:update');
  });

  it('re-signs every live certificate from its CSR, skipping revoked ones; progress through the jobs', async () => {
    const res = await api('POST', `/v1/cas/${ca.id}/reissue`, { token: admin });
    expect(res.status).toBe(202);
    const started = res.body.reissued as any[];
    expect(started.map((s) => s.certificate_id).sort()).toEqual([live[0].id, live[1].id].sort());
    for (const s of started) {
      expect((await waitForJob(admin, s.job.id)).status).toBe('succeeded');
      const fresh = (await api('GET', `/v1/certificates/${s.new_certificate_id}`, { token: alice })).body.certificate;
      const old = live.find((c) => c.id === s.certificate_id);
      expect(fresh).toMatchObject({ status: 'issued', reissued_from: old.id, sans: old.sans });
      expect(fresh.serial).not.toBe(old.serial);
      const same = (p: string) => new X509Certificate(p).publicKey.export({ type: 'spki', format: 'der' });
      expect(same(fresh.certificate).equals(same(old.certificate))).toBe(true);
    }
  });
});
