import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { newJob } from '../../../lib/jobs/index.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/**
 * A revocation, once on a CRL, is the worker's record (crlRevokedAt, which the API role cannot
 * write or remove): setting the certificate back to `issued`, as a compromised API could, does not
 * take it off the next CRL or turn its OCSP answer back to good.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('revocations the worker signed stay signed', () => {
  it('a certificate set back to issued, and moved out of its CA\'s index, after its revocation stays on the CRL and revoked in OCSP', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { csr } = makeCsr(tmp.dir, 'ec256', 'gone.example.org', ['DNS:gone.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:gone.example.org'] });
    expect(await w.run(job)).toBe('succeeded');
    // What the API does on POST /revoke, then the job it queues.
    await w.store.certificates.update(P, cert.id, { status: 'revoked', revokedAt: new Date().toISOString(), revocationReason: 'keyCompromise' }, ['issued']);
    const publish = async () => {
      const j = newJob('crl.publish', P, 'user-1', { caId: ca.id });
      await w.store.jobs.create(j);
      expect(await w.run(j)).toBe('succeeded');
    };
    await publish();
    const revoked = (await w.store.certificates.get(P, cert.id))!;
    expect(revoked.crlRevokedAt).toBe(revoked.revokedAt);
    // The compromised API's attempt: status is a field it writes, and so is the CA index entry.
    await w.store.certificates.update(P, cert.id, { status: 'issued', revokedAt: undefined, revocationReason: undefined, caId: 'another-ca' });
    expect((await w.store.certificates.list(P, 50, undefined, ca.id)).items.map((c) => c.id)).not.toContain(cert.id);
    await publish();
    const crl = (await w.store.crls.get(P, ca.id))!;
    const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], { input: await w.store.crls.der(crl) }).toString().toLowerCase();
    expect(text).toContain(`serial number: ${normaliseSerialHex(revoked.serial!)}`);
    expect(text).toContain('key compromise');
    expect((await w.store.ocspResponses.get(P, ca.id, normaliseSerialHex(revoked.serial!)))!.status).toBe('revoked');
  });
});
