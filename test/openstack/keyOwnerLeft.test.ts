import { beforeAll, describe, expect, it } from 'vitest';
import { api, AUTH_URL, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';

/**
 * Against the real Keystone and Barbican: a user who requested a server-side key and then lost
 * their role on the project gets no fresh key from a reissue; the job fails with the reason.
 */
let admin: string;
let ca: any;
const user = `leaver-${crypto.randomUUID().slice(0, 8)}`;
const password = `pw-${crypto.randomUUID()}`;

async function keystone(token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${AUTH_URL}${path}`, { method, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

beforeAll(async () => {
  admin = await keystoneToken('admin', 'secret', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'Leaver Root' } });
});

describe('a server-side key for a user who left the project', () => {
  it('is not delivered by a reissue once Keystone no longer gives them a role', async () => {
    const project = (await keystone(admin, 'GET', '/projects?name=tenant-a')).projects[0];
    const member = (await keystone(admin, 'GET', '/roles?name=member')).roles[0];
    const created = (await keystone(admin, 'POST', '/users', { user: { name: user, password, domain_id: 'default' } })).user;
    await keystone(admin, 'PUT', `/projects/${project.id}/users/${created.id}/roles/${member.id}`);
    const token = await keystoneToken(user, password, 'tenant-a');
    const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token, body: { sans: ['DNS:leaver.example.org'], key_type: 'EC-P256' } });
    expect(res.status).toBe(202);
    expect((await waitForJob(token, res.body.job.id, 60_000)).status).toBe('succeeded');

    await keystone(admin, 'DELETE', `/projects/${project.id}/users/${created.id}/roles/${member.id}`);
    const reissue = await api('POST', `/v1/cas/${ca.id}/reissue`, { token: admin });
    expect(reissue.status).toBe(202);
    const mine = reissue.body.reissued.find((r: any) => r.certificate_id === res.body.certificate.id);
    expect(mine).toBeDefined();
    const job = await waitForJob(admin, mine.job.id, 60_000);
    expect(job.status).toBe('failed');
    expect(job.reason).toMatch(/^KEY_OWNER_NOT_MEMBER: user [0-9a-f]+, .* no longer holds a role on project/);
    const fresh = (await api('GET', `/v1/certificates/${mine.new_certificate_id}`, { token: admin })).body.certificate;
    expect(fresh).toMatchObject({ status: 'failed', certificate: null, container_ref: null });
    await keystone(admin, 'DELETE', `/users/${created.id}`);
  });
});
