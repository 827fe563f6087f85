import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newJob } from '../../../lib/jobs/index.js';
import { CA_EXT, ExternalPki } from '../../support/externalCa.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { memoryWorker, pendingCa, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * Defect: uploading an external CA's certificate replaced the admin's name_constraints with the
 * chain's; the admin's stayed shown but were not enforced. Now the worker installs the upload and
 * enforces both. And only the worker writes the certificate: the API's upload is input it verifies.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';

/** What PUT /v1/cas/{id}/certificate records: the upload, and the job that installs it. */
async function uploaded(w: MemoryWorker, caId: string, certificatePem: string, chainPem: string) {
  const install = newJob('ca.install', P, 'user-1', { caId });
  await w.store.jobs.create(install);
  await w.store.cas.update(P, caId, { upload: { certificatePem, chainPem }, installJobId: install.id });
  return install;
}

describe('an external intermediate installed by the worker', () => {
  it('enforces the admin\'s name constraints and the external chain\'s, both', async () => {
    const w = memoryWorker();
    const { ca, job } = await pendingCa(w.store, P, { external: true, nameConstraints: { permittedDns: ['apps.example.org'] } });
    expect(await w.run(job)).toBe('succeeded');
    const waiting = (await w.store.cas.get(P, ca.id))!;
    expect(waiting.status).toBe('awaiting_certificate');

    const pki = new ExternalPki(tmp.dir);
    const root = pki.root('Corp Root');
    const csrPath = join(tmp.dir, 'ext.csr');
    writeFileSync(csrPath, waiting.caCsrPem!);
    const signed = pki.issue(root, { csrPath, via: 'ca', ext: CA_EXT });
    expect(await w.run(await uploaded(w, ca.id, signed.pem, root.pem))).toBe('succeeded');
    const active = (await w.store.cas.get(P, ca.id))!;
    expect(active.status).toBe('active');
    expect(active.upload).toBeUndefined();
    expect(active.constraintChain).toEqual([{ permittedDns: ['apps.example.org'] }]);

    const { csr } = makeCsr(tmp.dir, 'ec256', 'evil.example.net', ['DNS:evil.example.net']);
    const outside = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: ['DNS:evil.example.net'] });
    expect(await w.run(outside.job)).toBe('failed');
    expect((await w.store.certificates.get(P, outside.cert.id))!.failureReason).toMatch(/NAME_CONSTRAINT_VIOLATION/);
    const inside = makeCsr(tmp.dir, 'ec256', 'web.apps.example.org', ['DNS:web.apps.example.org']);
    const ok = await pendingCertificate(w.store, P, ca.id, { csrPem: inside.csr, sans: ['DNS:web.apps.example.org'] });
    expect(await w.run(ok.job)).toBe('succeeded');
  });

  it('refuses to install an upload whose certificate is not for its key, whatever the API stored', async () => {
    const w = memoryWorker();
    const { ca, job } = await pendingCa(w.store, P, { external: true });
    expect(await w.run(job)).toBe('succeeded');
    const pki = new ExternalPki(tmp.dir);
    const root = pki.root('Corp Root 2');
    const other = pki.issue(root, { cn: 'Test CA', via: 'ca', ext: CA_EXT });
    expect(await w.run(await uploaded(w, ca.id, other.pem, root.pem))).toBe('failed');
    const after = (await w.store.cas.get(P, ca.id))!;
    expect(after.status).toBe('awaiting_certificate');
    expect(after.certificatePem).toBeUndefined();
    expect(after.failureReason).toMatch(/CERTIFICATE_KEY_MISMATCH/);
  });
});
