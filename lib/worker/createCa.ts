import { X509Certificate } from 'node:crypto';
import { conflict } from '../errors/index.js';
import { log } from '../log/index.js';
import { cas, StaleRecordError, type CaRecord, type JobRecord } from '../store/index.js';
import { assembleCertificate, assembleCsr, assertLintClean, buildCsrInfo, buildTbsCertificate, lintCertificate, encodeName, newSerial, signatureAlgorithmFor, subjectKeyIdentifier, toPem } from '../x509/index.js';
import { caSigningKey, discardCaKey, issuerNameOf, keepCaKey, newCaKey } from './caKey.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';
import { publishCrl, type ActiveCa } from './revocation.js';

/** Allowed clock skew between machines: certificates start this much in the past. */
export const BACKDATE_MS = 60_000;

/**
 * Job `ca.create`: a new key (into Barbican, or the driver's token) and the CA certificate:
 * self-signed for a root, signed by the parent CA's key for an intermediate.
 */
export async function runCreateCa(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const caId = job.params.caId;
  const ca = await cas.get(job.projectId, caId);
  if (!ca || ca.jobId !== job.id) throw new JobRefusedError(`CA ${caId} of project ${job.projectId} does not belong to job ${job.id}`);
  if (ca.status === 'active') return { type: 'ca', id: ca.id };
  if (ca.external) return makeExternalCsr(ca, ctx);
  const parent = ca.parentId ? await activeParent(ca, ca.parentId) : undefined;

  const key = await newCaKey(ca, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName(ca.subject);
  const now = ctx.now().getTime();
  const notBefore = new Date(now - BACKDATE_MS);
  // An intermediate never outlives its issuer.
  const notAfter = new Date(Math.min(now + ca.validityDays * 86_400_000, parent ? Date.parse(parent.notAfter!) : Infinity));
  const signer = parent ? await caSigningKey({ ...parent, keyRef: parent.keyRef! }, ctx) : key;
  const signerType = parent ? parent.keyType : ca.keyType;
  const algorithm = signatureAlgorithmFor(signerType);
  const serial = newSerial();
  const tbs = buildTbsCertificate({
    serial,
    signatureAlgorithm: algorithm,
    issuerDer: parent ? issuerNameOf(parent) : name,
    subjectDer: name,
    notBefore,
    notAfter,
    spkiDer,
    profile: 'ca',
    pathLen: ca.pathLen,
    nameConstraints: ca.nameConstraints,
    subjectKeyType: ca.keyType,
    authorityKeyId: parent ? Buffer.from(parent.subjectKeyId!, 'hex') : ski,
  });
  const pem = toPem(assembleCertificate(tbs, algorithm, await ctx.driver.sign(tbs, algorithm, signer)), 'CERTIFICATE');
  // Our own bytes must verify before anything is kept.
  const made = new X509Certificate(pem);
  if (!made.verify(signer.publicKey) || (parent && !made.checkIssued(new X509Certificate(parent.certificatePem!)))) {
    throw new Error('self-check failed: the new CA certificate does not verify');
  }
  assertLintClean(lintCertificate(made.raw, { kind: parent ? 'intermediate' : 'root', issuerDer: parent ? new X509Certificate(parent.certificatePem!).raw : undefined, now: ctx.now() }));

  const keyRef = await keepCaKey(ca, key, ctx);
  try {
    await cas.update(
      job.projectId,
      caId,
      {
        status: 'active',
        keyRef,
        certificatePem: pem,
        chainPem: parent ? [parent.certificatePem!, ...(parent.chainPem ?? [])] : [],
        serial: serial.toString('hex'),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        subjectKeyId: ski.toString('hex'),
      },
      ['pending'],
    );
  } catch (e) {
    // Another delivery of this job won the race, or the write failed: the key we stored is nobody's.
    await discardCaKey(keyRef, key, ctx).catch((err) => log.warn('orphan CA key not removed', { keyRef, error: (err as Error).message }));
    if (e instanceof StaleRecordError) return { type: 'ca', id: caId };
    throw e;
  }
  // Its (empty) CRL exists from the start: relying parties that check CRLs can use it at once.
  const activated = await cas.get(job.projectId, caId);
  if (activated) await publishCrl(activated as ActiveCa, key, ctx, 'revoked');
  return { type: 'ca', id: caId };
}

/**
 * An external intermediate: the key (new, or the one a previous CSR used when the owner asked for
 * another subject) and a CSR asking for a CA certificate; the owner takes it to their external CA.
 */
async function makeExternalCsr(ca: CaRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  if (ca.status === 'awaiting_certificate') return { type: 'ca', id: ca.id };
  const key = ca.keyRef ? await caSigningKey({ ...ca, keyRef: ca.keyRef }, ctx) : await newCaKey(ca, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const algorithm = signatureAlgorithmFor(ca.keyType);
  const info = buildCsrInfo({ subjectDer: encodeName(ca.subject), spkiDer, extensions: { basicConstraintsCa: true, pathLen: ca.pathLen } });
  const csrPem = toPem(assembleCsr(info, algorithm, await ctx.driver.sign(info, algorithm, key)), 'CERTIFICATE REQUEST');
  const keyRef = ca.keyRef ?? (await keepCaKey(ca, key, ctx));
  try {
    await cas.update(ca.projectId, ca.id, { status: 'awaiting_certificate', csrPem, keyRef, subjectKeyId: subjectKeyIdentifier(spkiDer).toString('hex') }, ['pending']);
  } catch (e) {
    if (!ca.keyRef) await discardCaKey(keyRef, key, ctx).catch((err) => log.warn('orphan CA key not removed', { keyRef, error: (err as Error).message }));
    if (e instanceof StaleRecordError) return { type: 'ca', id: ca.id };
    throw e;
  }
  return { type: 'ca', id: ca.id };
}

/** The parent as the store has it now: same project, active, allowed to sign a CA. */
async function activeParent(ca: CaRecord, parentId: string): Promise<CaRecord> {
  const parent = await cas.get(ca.projectId, parentId);
  if (!parent) throw new JobRefusedError(`parent CA ${parentId} is not in project ${ca.projectId}`);
  if (parent.status !== 'active' || !parent.keyRef || !parent.certificatePem || !parent.subjectKeyId || !parent.notAfter) {
    throw conflict('CA_NOT_ACTIVE', `parent CA ${parentId} is ${parent.status}`);
  }
  if (Date.parse(parent.notAfter) <= Date.now()) throw conflict('CA_EXPIRED', `parent CA ${parentId} expired at ${parent.notAfter}`);
  if (parent.pathLen !== undefined && (ca.pathLen ?? Infinity) > parent.pathLen - 1) {
    throw conflict('PATH_LEN_EXCEEDED', `parent CA ${parentId} (path_len ${parent.pathLen}) may not sign this CA`);
  }
  return parent;
}
