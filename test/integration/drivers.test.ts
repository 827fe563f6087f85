import { sign, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCfsslDriver } from '../../lib/drivers/cfssl.js';
import { createPkcs11Driver } from '../../lib/drivers/pkcs11.js';
import { nativeDriver, type Driver } from '../../lib/drivers/index.js';
import { assembleCertificate, buildTbsCertificate, encodeName, keyTypeOf, newSerial, parseCsr, signatureAlgorithmFor, subjectKeyIdentifier, toPem } from '../../lib/x509/index.js';
import { newJob } from '../../lib/jobs/index.js';
import { keystoresFromEnv } from '../../lib/keystore/index.js';
import { cas, certificates, jobs, type CaRecord, type CertificateRecord, dynamoStore } from '../../lib/store/index.js';
import { processJob, type WorkerContext } from '../../lib/worker/index.js';
import { createActiveCa, keystoneToken } from '../support/api.js';
import { makeCsr, tempDir, verifyChain } from '../support/openssl.js';
import { softhsmToken } from '../support/softhsm.js';

/**
 * The worker with each signing driver, against the stack's store and Barbican: jobs are written
 * to the store and run through processJob with the driver under test (the stack's own worker,
 * which uses the native driver, never sees them).
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';
const PROJECT = 'drivers-test-project';
const tmp = tempDir();
const hsm = softhsmToken('ca-it', '4321');
afterAll(() => {
  hsm.cleanup();
  tmp.cleanup();
});

async function createCa(ctx: WorkerContext, keyType: CaRecord['keyType']): Promise<CaRecord> {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const ca: CaRecord = { id, projectId: PROJECT, createdBy: 'tester', createdAt: now, updatedAt: now, name: `${ctx.driver.name} root`, subject: { CN: `${ctx.driver.name} ${keyType} Root` }, keyType, validityDays: 30, status: 'pending', jobId: '' };
  const job = newJob('ca.create', PROJECT, 'tester', { caId: id });
  await cas.create({ ...ca, jobId: job.id });
  await jobs.create(job);
  const outcome = await processJob(JSON.stringify({ v: 1, jobId: job.id, projectId: PROJECT, kind: 'ca.create', params: { caId: id } }), 1, 1, ctx);
  expect(outcome, (await jobs.get(PROJECT, job.id))?.reason).toBe('succeeded');
  return (await cas.get(PROJECT, id))!;
}

async function issue(ctx: WorkerContext, ca: CaRecord, sans: string[]): Promise<{ outcome: string; cert: CertificateRecord; reason?: string }> {
  const { csr } = makeCsr(tmp.dir, 'ec256', sans[0].slice(4), sans);
  const id = crypto.randomUUID();
  const job = newJob('certificate.issue', PROJECT, 'tester', { caId: ca.id, certificateId: id });
  const now = new Date().toISOString();
  await certificates.create({ id, projectId: PROJECT, createdBy: 'tester', createdAt: now, updatedAt: now, caId: ca.id, jobId: job.id, status: 'pending', csrPem: csr, sans, ttlSeconds: 86400 });
  await jobs.create(job);
  const outcome = await processJob(JSON.stringify({ v: 1, jobId: job.id, projectId: PROJECT, kind: 'certificate.issue', params: { caId: ca.id, certificateId: id } }), 1, 1, ctx);
  return { outcome, cert: (await certificates.get(PROJECT, id))!, reason: (await jobs.get(PROJECT, job.id))?.reason };
}

const drivers: Array<[string, () => Driver]> = [
  ['pkcs11', () => createPkcs11Driver({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin })],
  ['cfssl', () => createCfsslDriver()],
];

describe.each(drivers)('the worker with the %s driver', (name, make) => {
  let ctx: WorkerContext;
  beforeAll(() => {
    ctx = { store: dynamoStore, ...keystoresFromEnv(), driver: make(), now: () => new Date() };
  });

  for (const keyType of ['EC-P256', 'RSA-2048'] as const) {
    it(`creates a ${keyType} CA and issues a leaf that openssl verifies`, async () => {
      const ca = await createCa(ctx, keyType);
      expect(ca.status).toBe('active');
      if (name === 'pkcs11') expect(ca.keyRef).toMatch(/^pkcs11:.*token=ca-it/);
      else expect(ca.keyRef).toMatch(/\/v1\/secrets\//);
      const { outcome, cert, reason } = await issue(ctx, ca, ['DNS:drv.example.org', 'IP:192.0.2.7']);
      expect(outcome, reason).toBe('succeeded');
      expect(verifyChain(tmp.dir, ca.certificatePem!, cert.certificatePem!)).toContain('OK');
      const x = new X509Certificate(cert.certificatePem!);
      expect(x.subjectAltName).toBe('DNS:drv.example.org, IP Address:192.0.2.7');
      expect(x.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(cert.serial!.replace(/^0+/, ''));
    });
  }

  it('refuses a CA whose key another driver keeps', async () => {
    const admin = await keystoneToken('admin', 'secret', 'admin');
    const nativeCa = await createActiveCa(admin, { subject: { CN: 'Native Root' } });
    const res = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': admin } });
    const project = ((await res.json()) as any).token.project.id;
    const pkcs11Ca = name === 'pkcs11' ? undefined : await createCa({ ...ctx, driver: drivers[0][1]() }, 'EC-P256');
    const ca = name === 'pkcs11' ? (await cas.get(project, nativeCa.id))! : pkcs11Ca!;
    const projectId = ca.projectId;
    const id = crypto.randomUUID();
    const job = newJob('certificate.issue', projectId, 'tester', { caId: ca.id, certificateId: id });
    const { csr } = makeCsr(tmp.dir, 'ec256', 'mismatch.example.org', ['DNS:mismatch.example.org']);
    const now = new Date().toISOString();
    await certificates.create({ id, projectId, createdBy: 'tester', createdAt: now, updatedAt: now, caId: ca.id, jobId: job.id, status: 'pending', csrPem: csr, sans: ['DNS:mismatch.example.org'], ttlSeconds: 3600 });
    await jobs.create(job);
    expect(await processJob(JSON.stringify({ v: 1, jobId: job.id, projectId, kind: 'certificate.issue', params: job.params }), 1, 1, ctx)).toBe('failed');
    expect((await jobs.get(projectId, job.id))?.reason).toMatch(/^CA_DRIVER_MISMATCH/);
  });
});

describe('driver capabilities', () => {
  it('fails a CA job for a key type the driver cannot make, with the reason', async () => {
    const ctx: WorkerContext = { store: dynamoStore, ...keystoresFromEnv(), driver: createCfsslDriver(), now: () => new Date() };
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    const { outcome, job } = await (async () => {
      const j = newJob('ca.create', PROJECT, 'tester', { caId: id });
      await cas.create({ id, projectId: PROJECT, createdBy: 'tester', createdAt: now, updatedAt: now, name: 'ed', subject: { CN: 'Ed Root' }, keyType: 'Ed25519', validityDays: 30, status: 'pending', jobId: j.id });
      await jobs.create(j);
      const o = await processJob(JSON.stringify({ v: 1, jobId: j.id, projectId: PROJECT, kind: 'ca.create', params: { caId: id } }), 1, 1, ctx);
      return { outcome: o, job: (await jobs.get(PROJECT, j.id))! };
    })();
    expect(outcome).toBe('failed');
    expect(job.reason).toMatch(/^KEY_TYPE_UNSUPPORTED: .*cfssl.*Ed25519/);
    expect((await cas.get(PROJECT, id))?.status).toBe('failed');
  });
});

describe('issued = decided', () => {
  it('fails the job with an alarm, and stores no certificate, when what the driver made is not what was decided', async () => {
    // A driver that builds its own certificates and gets them wrong: a CA:TRUE "leaf" with keyCertSign.
    const sloppy: Driver = {
      ...nativeDriver,
      name: 'sloppy',
      capabilities: { ...nativeDriver.capabilities, name: 'sloppy', buildsOwnCertificate: true },
      async issue(req) {
        const caCert = new X509Certificate(req.caCertPem);
        const csr = parseCsr(req.csrPem);
        const key = 'privateKey' in req.caKey ? req.caKey.privateKey : req.caKey;
        const alg = signatureAlgorithmFor(keyTypeOf(caCert.publicKey)!);
        const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: encodeName({ CN: caCert.subject.replace(/^CN=/, '') }), subjectDer: csr.subjectDer, notBefore: req.notBefore!, notAfter: req.notAfter!, spkiDer: csr.spkiDer, profile: 'ca', subjectKeyType: csr.keyType, authorityKeyId: subjectKeyIdentifier(caCert.publicKey.export({ type: 'spki', format: 'der' })), sans: req.sans });
        return toPem(assembleCertificate(tbs, alg, sign(alg.hash, tbs, key)), 'CERTIFICATE');
      },
    };
    const ctx: WorkerContext = { store: dynamoStore, ...keystoresFromEnv(), driver: nativeDriver, now: () => new Date() };
    const ca = await createCa(ctx, 'EC-P256');
    const { outcome, cert, reason } = await issue({ ...ctx, driver: sloppy }, ca, ['DNS:sloppy.example.org']);
    // Refused as an alarm: a driver that does not do as told is not a request's fault.
    expect(outcome).toBe('refused');
    expect(reason).toMatch(/^ISSUED_NOT_DECIDED: .*basicConstraints.*keyUsage/);
    expect(cert.status).toBe('failed');
    expect(cert.certificatePem).toBeUndefined();
  });
});
