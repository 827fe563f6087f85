import { beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

let admin: string;
let alice: string;
let bob: string;
let certId: string;
let jobId: string;

beforeAll(async () => {
  [admin, alice, bob] = await Promise.all([keystoneToken('admin', 'secret', 'admin'), keystoneToken('alice', 'apass', 'tenant-a'), keystoneToken('bob', 'bpass2', 'tenant-b')]);
  const ca = await createActiveCa(admin, { subject: { CN: 'Events Root' } });
  const tmp = tempDir();
  const { csr } = makeCsr(tmp.dir, 'ec256', 'ev.example.org', ['DNS:ev.example.org']);
  tmp.cleanup();
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr } });
  certId = res.body.certificate.id;
  jobId = res.body.job.id;
  await waitForJob(admin, jobId);
});

const eventsOf = async (token: string, query = '') => (await api('GET', `/v1/events${query}`, { token })).body.events as any[];

describe('audit trail', () => {
  it('records the request, the job and the issuance, with user and request id', async () => {
    const forCert = await eventsOf(admin, `?object_id=${certId}`);
    const requested = forCert.find((e) => e.action === 'certificate.issue.requested');
    expect(requested).toMatchObject({ outcome: 'success', object: { type: 'certificate', id: certId } });
    expect(requested.user_id).toMatch(/^[0-9a-f]{32}$/);
    expect(requested.request_id).toMatch(/^req-/);
    expect(forCert.find((e) => e.action === 'certificate.issued')).toMatchObject({ outcome: 'success' });
    const forJob = (await eventsOf(admin, `?object_id=${jobId}`)).map((e) => e.action);
    expect(forJob).toEqual(expect.arrayContaining(['job.started', 'job.succeeded']));
  });

  it('records a policy denial in the caller’s project, and shows it to that project', async () => {
    const denied = await api('POST', '/v1/cas', { token: alice, body: { subject: { CN: 'No' } } });
    expect(denied.status).toBe(403);
    const events = await eventsOf(alice, '?action=policy.denied');
    expect(events[0]).toMatchObject({ action: 'policy.denied', outcome: 'denied' });
    expect(events[0].reason).toContain('ca:cas:create');
  });

  it('is newest first and pages with limit and marker', async () => {
    const { body: page1 } = await api('GET', '/v1/events?limit=2', { token: admin });
    expect(page1.events).toHaveLength(2);
    expect(page1.events[0].time >= page1.events[1].time).toBe(true);
    const next = new URL(page1.events_links[0].href);
    const { body: page2 } = await api('GET', next.pathname + next.search, { token: admin });
    expect(page2.events[0].id).not.toBe(page1.events[1].id);
    expect(page2.events[0].time <= page1.events[1].time).toBe(true);
  });

  it('never shows another project’s events, and never a token', async () => {
    const mine = await eventsOf(bob, '?limit=200');
    expect(mine.some((e) => e.object?.id === certId || e.object?.id === jobId)).toBe(false);
    const all = JSON.stringify(await eventsOf(admin, '?limit=200'));
    expect(all).not.toContain(admin);
    expect(all).not.toMatch(/gAAAA/);
  });

  it('refuses bad filters', async () => {
    expect((await api('GET', '/v1/events?action=DROP TABLE', { token: admin })).status).toBe(400);
  });
});
