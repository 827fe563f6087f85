import { afterAll, describe, expect, it } from 'vitest';
import { newJob } from '../../../lib/jobs/index.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * ACME revokeCert, renewal info and the enrollment checks find a certificate by its serial through
 * its OCSP answer's `certificateId`: the answers re-signed from the CRL's entries after a
 * revocation, and on the scheduled re-signing, must still name it.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('revoked OCSP answers', () => {
  it('keep the certificate id after the revocation and after the scheduled re-signing', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'ocsp.example.org', ['DNS:ocsp.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:ocsp.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
    const serial = normaliseSerialHex((await w.store.certificates.get(P, cert.id))!.serial!);
    expect(await w.store.ocspResponses.get(P, ca.id, serial)).toMatchObject({ status: 'good', certificateId: cert.id });

    // What the API does on POST /revoke, then the job it queues; then the scheduler's re-signing.
    await w.store.certificates.update(P, cert.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'keyCompromise' }, ['issued']);
    for (const params of [{ caId: ca.id }, { caId: ca.id, scope: 'all' }] as Record<string, string>[]) {
      const j = newJob('crl.publish', P, 'user-1', params);
      await w.store.jobs.create(j);
      expect(await w.run(j)).toBe('succeeded');
      expect(await w.store.ocspResponses.get(P, ca.id, serial)).toMatchObject({ status: 'revoked', certificateId: cert.id });
    }
  });
});
