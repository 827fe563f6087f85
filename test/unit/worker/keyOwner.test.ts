import { describe, expect, it } from 'vitest';
import { successorOf } from '../../../lib/jobs/index.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * Defect: renewals and reissues delivered fresh server-side keys to the original requester even
 * after they had left the project. The worker now asks Keystone when the job runs.
 */
const P = 'project-a';

describe('a server-side key goes only to a current member', () => {
  it('a renewal after the requester left fails with a readable reason, delivers nothing and signs nothing', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb' } }, sans: ['DNS:lb.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
    expect(w.deliveries).toHaveLength(1);

    w.leftProject.add(`user-1|${P}`);
    const { fresh, job: renewal } = successorOf((await w.store.certificates.get(P, cert.id))!, { renewedFrom: cert.id });
    await w.store.certificates.create(fresh);
    await w.store.jobs.create(renewal);
    const before = w.signatures();
    expect(await w.run(renewal)).toBe('failed');
    expect(w.deliveries).toHaveLength(1);
    expect(w.signatures()).toBe(before);
    expect((await w.store.certificates.get(P, fresh.id))!.failureReason).toMatch(/^KEY_OWNER_NOT_MEMBER: user user-1, .* no longer holds a role on project project-a/);
    const trail = (await w.store.events.list(P, 20)).items.map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(['job.failed', 'certificate.renewal_failed']));
  });

  it('a certificate from a CSR needs no such check: no key is delivered', async () => {
    const w = memoryWorker();
    w.ctx.membership = { holdsRoleOn: async () => Promise.reject(new Error('must not be asked')) };
    const ca = await activeRoot(w, P);
    const { makeCsr, tempDir } = await import('../../support/openssl.js');
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'csr.example.org', ['DNS:csr.example.org']);
    tmp.cleanup();
    const { job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:csr.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
  });
});
