import { X509Certificate } from 'node:crypto';
import { nativeDriver, type KeyHandle, type MemoryKeyHandle } from '../drivers/index.js';
import { AppError, conflict } from '../errors/index.js';
import { recordEvent } from '../events/index.js';
import { renewAtFor } from '../requests/index.js';
import { cas, certificates, type CertificateRecord, nextExpiryNotice, putExpiryNotice, scheduleRenewal, StaleRecordError, type CaRecord, type JobRecord } from '../store/index.js';
import { checkCsrIssuance, profileFor, type IssuanceDecision } from '../profiles/index.js';
import { assembleCertificate, assembleCsr, assertLintClean, buildCsrInfo, buildTbsCertificate, checkNameConstraints, lintCertificate, encodeName, newSerial, parseCsr, signatureAlgorithmFor, toPem, type ParsedCsr } from '../x509/index.js';
import { caSigningKey, issuerNameOf } from './caKey.js';
import { presignOcsp } from './revocation.js';
import { revocationUrls } from '../views/index.js';
import { BACKDATE_MS } from './createCa.js';
import { JobRefusedError } from './outcomes.js';
import type { WorkerContext } from './context.js';

/**
 * Job `certificate.issue`: everything the API checked is checked again (the CSR's signature and
 * key, the names, the CA's state), then the CA key is fetched and the certificate signed. The
 * conditional write on `pending` makes a second delivery harmless: it can never issue twice.
 */
export async function runIssueCertificate(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'certificate'; id: string }> {
  const { caId, certificateId } = job.params;
  // Both reads at once; the certificate is checked first all the same.
  const [cert, ca] = await Promise.all([certificates.get(job.projectId, certificateId), cas.get(job.projectId, caId)]);
  if (!cert || cert.jobId !== job.id || cert.caId !== caId) {
    throw new JobRefusedError(`certificate ${certificateId} of project ${job.projectId} does not belong to job ${job.id}`);
  }
  if (cert.status === 'issued') return { type: 'certificate', id: cert.id };
  if (cert.status === 'failed') throw conflict('CERTIFICATE_FAILED', `certificate ${cert.id} has already failed`);

  if (!ca) throw new JobRefusedError(`CA ${caId} is not in project ${job.projectId}`);
  if (ca.status !== 'active' || !ca.keyRef || !ca.certificatePem || !ca.subjectKeyId || !ca.notAfter) {
    throw conflict('CA_NOT_ACTIVE', `CA ${caId} is ${ca.status}`);
  }

  // Server-side keys: a fresh key and its CSR, made here; the key leaves only into Barbican.
  const made = cert.serverSideKey ? await keyAndCsr(cert.serverSideKey) : undefined;
  const csrPem = made?.csrPem ?? cert.csrPem;
  if (!csrPem) throw new JobRefusedError(`certificate ${cert.id} has neither a CSR nor a server-side key request`);
  const csr = parseCsr(csrPem);
  // The profile as the CA has it now: a profile tightened since the request was accepted wins.
  const decision = checkCsrIssuance(profileFor(ca.profiles, cert.profile ?? 'default'), {
    csr,
    sans: cert.sans,
    ttlSeconds: cert.ttlSeconds,
    objectId: cert.objectId,
    mayExceedMaxTtl: cert.ttlBeyondMax === true,
    now: ctx.now(),
  });
  checkNameConstraints(decision.sans, ca.constraintChain ?? [], decision.subject.CN);
  const now = ctx.now().getTime();
  const caNotAfter = Date.parse(ca.notAfter);
  if (caNotAfter <= now) throw conflict('CA_EXPIRED', `CA ${caId} expired at ${ca.notAfter}`);
  const notBefore = new Date(now - BACKDATE_MS);
  // Never outlive the issuer: clip to the CA's own validity.
  const notAfter = new Date(Math.min(now + decision.ttlSeconds * 1000, caNotAfter));

  const active = { ...ca, keyRef: ca.keyRef, subjectKeyId: ca.subjectKeyId };
  const caKey = await caSigningKey(active, ctx);
  const caCert = new X509Certificate(ca.certificatePem);
  const caPublic = caCert.publicKey;
  if (!caKey.publicKey.equals(caPublic)) throw new AppError('KEY_REF_MISMATCH', 403, `the key of CA ${caId} does not match its certificate`);

  const { pem, serial } = ctx.driver.capabilities.buildsOwnCertificate
    ? await issuedByDriver(ctx, csrPem, ca.certificatePem, caKey, decision, notBefore, notAfter)
    : await issuedByEngine(ctx, active, caKey, csr, decision, notBefore, notAfter);
  const issued = new X509Certificate(pem);
  if (!issued.verify(caPublic) || !issued.checkIssued(caCert)) throw new Error('self-check failed: the new certificate does not chain to its CA');
  // Lint before anything is stored: a finding of severity error fails the job instead of issuing.
  assertLintClean(lintCertificate(issued.raw, { kind: 'leaf', issuerDer: caCert.raw, now: ctx.now() }));

  const delivered = made
    ? {
        csrPem,
        containerRef: await ctx.delivery.deliver({
          projectId: job.projectId,
          certificateId: cert.id,
          readerUserId: cert.createdBy,
          keyPem: made.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          certificatePem: pem,
          chainPem: [ca.certificatePem, ...(ca.chainPem ?? [])].join('\n'),
        }),
      }
    : {};
  try {
    await certificates.update(
      job.projectId,
      cert.id,
      { status: 'issued', certificatePem: pem, serial, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), ...delivered },
      ['pending'],
    );
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    const now = await certificates.get(job.projectId, cert.id);
    if (now?.status !== 'issued') throw e;
    return { type: 'certificate', id: cert.id };
  }
  // What follows issuance is independent: written side by side. The OCSP answer exists before the
  // job says succeeded, so relying parties never get "unknown" for the new certificate.
  const notice = nextExpiryNotice(notAfter, ctx.now());
  await Promise.all([
    notice && putExpiryNotice({ id: cert.id, projectId: job.projectId, notAfter: notAfter.toISOString(), days: notice.days, notifyAt: notice.notifyAt.toISOString() }),
    cert.renewal && scheduleRenewal(job.projectId, cert.id, renewAtFor(notBefore, notAfter, cert.renewal).toISOString()),
    cert.renewedFrom &&
      recordEvent({ projectId: job.projectId, userId: job.createdBy, action: 'certificate.renewed', outcome: 'success', object: { type: 'certificate', id: cert.id }, reason: `renews certificate ${cert.renewedFrom}` }),
    presignOcsp(active as typeof active & { certificatePem: string }, caKey, { ...cert, status: 'issued', serial }, ctx),
  ]);
  return { type: 'certificate', id: cert.id };
}

/** A tenant key made in the worker (always in memory: it is delivered, not kept) and its CSR. */
async function keyAndCsr(request: NonNullable<CertificateRecord['serverSideKey']>): Promise<{ key: MemoryKeyHandle; csrPem: string }> {
  const key = await nativeDriver.createKey(request.keyType);
  const algorithm = signatureAlgorithmFor(request.keyType);
  const info = buildCsrInfo({ subjectDer: encodeName(request.subject), spkiDer: key.publicKey.export({ type: 'spki', format: 'der' }) });
  return { key, csrPem: toPem(assembleCsr(info, algorithm, await nativeDriver.sign(info, algorithm, key)), 'CERTIFICATE REQUEST') };
}

/** lib/x509 builds the TBS; the driver only signs it (native, pkcs11). */
async function issuedByEngine(ctx: WorkerContext, ca: CaRecord & { subjectKeyId: string }, caKey: KeyHandle, csr: ParsedCsr, decision: IssuanceDecision, notBefore: Date, notAfter: Date) {
  const algorithm = signatureAlgorithmFor(ca.keyType);
  const serial = newSerial();
  const tbs = buildTbsCertificate({
    serial,
    signatureAlgorithm: algorithm,
    issuerDer: issuerNameOf(ca),
    // Only the subject fields the profile copies from the CSR.
    subjectDer: encodeName(decision.subject),
    notBefore,
    notAfter,
    spkiDer: csr.spkiDer,
    profile: 'leaf',
    subjectKeyType: csr.keyType,
    authorityKeyId: Buffer.from(ca.subjectKeyId, 'hex'),
    sans: decision.sans,
    keyUsage: decision.keyUsages,
    extKeyUsage: decision.extKeyUsages,
    ...(ctx.publicUrl ? { revocation: revocationUrls(ctx.publicUrl, ca.projectId, ca.id) } : {}),
  });
  const pem = toPem(assembleCertificate(tbs, algorithm, await ctx.driver.sign(tbs, algorithm, caKey)), 'CERTIFICATE');
  return { pem, serial: serial.toString('hex') };
}

/** The driver builds the whole certificate from the CSR (cfssl); its serial is read back. */
async function issuedByDriver(ctx: WorkerContext, csrPem: string, caCertPem: string, caKey: KeyHandle, decision: IssuanceDecision, notBefore: Date, notAfter: Date) {
  if (caKey.location !== 'memory') throw new AppError('CA_DRIVER_MISMATCH', 409, `the signing driver "${ctx.driver.name}" needs the CA key in memory`);
  const pem = await ctx.driver.issue!({ csrPem, caCertPem, caKey, sans: decision.sans, notBefore, notAfter, keyUsage: decision.keyUsages, extKeyUsage: decision.extKeyUsages });
  return { pem: pem.trim(), serial: new X509Certificate(pem).serialNumber.toLowerCase() };
}
