import { afterAll, describe, expect, it } from 'vitest';
import { nativeDriver, type Driver } from '../../../lib/drivers/index.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate } from '../../support/worker.js';

/** A driver that signs something other than what it was given: the job fails, nothing is kept, an alarm is raised. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

describe('the worker keeps only what was decided', () => {
  it('fails the job with an alarm and stores no certificate when the signature is not over the decided TBS', async () => {
    let lying = false;
    const driver: Driver = {
      ...nativeDriver,
      sign: async (tbs, alg, key) => {
        const other = Buffer.from(tbs);
        if (lying) other[other.length - 1] ^= 1;
        return nativeDriver.sign(other, alg, key);
      },
    };
    const w = memoryWorker({ driver });
    const ca = await activeRoot(w, P);
    lying = true;
    const { csr } = makeCsr(tmp.dir, 'ec256', 'x.example.org', ['DNS:x.example.org']);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:x.example.org'] });
    expect(await w.run(job)).toBe('refused');
    const after = (await w.store.certificates.get(P, cert.id))!;
    expect(after).toMatchObject({ status: 'failed' });
    expect(after.certificatePem).toBeUndefined();
    expect(after.failureReason).toMatch(/ISSUED_NOT_DECIDED/);
    const alarms = (await w.store.events.list(P, 10, undefined, (e) => e.action === 'issuance.alarm')).items;
    expect(alarms).toHaveLength(1);
    expect(alarms[0].reason).toMatch(/signature/);
  });
});
