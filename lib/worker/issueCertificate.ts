import { crlNameOf, crlPartitionFor, issue, leafPlan, liveGenerations, revocationUrls, signCsr, signerOf } from '../ca/index.js';
import { nativeDriver, type MemoryKeyHandle } from '../drivers/index.js';
import { AppError, conflict } from '../errors/index.js';
import { recordEvent } from '../events/index.js';
import { log } from '../log/index.js';
import { decideIssuance, grantsOf, issuanceRequestOf, ungranted, type IssuanceDecision } from '../ra/index.js';
import { renewAtFor } from '../requests/index.js';
import { nextExpiryNotice, SIGNED_POINTER_KINDS, StaleRecordError, type CaRecord, type CertificateRecord, type JobRecord } from '../store/index.js';
import { encodeName } from '../x509/index.js';
import { isActive, issuerFor, type ActiveCa, type CaIssuer } from './caKey.js';
import { newClaim, underClaim } from './claim.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError, RecordContradictsCertificateError } from './outcomes.js';
import { presignOcsp, publishCrls } from './revocation.js';
import { ensurePartitionCrl, generationsFor, type PartitionTarget } from './crlPublish.js';
import { acmeOrderIssued, checkAcmeOrder } from './acmeOrder.js';
import { checkUserCertificateRequest } from './enrollment.js';

type Result = { type: 'certificate'; id: string };

export type IssuanceReads = [CertificateRecord | undefined, CaRecord | undefined];

/** The certificate and its CA, by the stored job's ids (JOB_KINDS prefetches them beside the `running` write). */
export const readIssuance = (job: JobRecord, ctx: WorkerContext): Promise<IssuanceReads> =>
  Promise.all([ctx.store.certificates.get(job.projectId, job.params.certificateId), ctx.store.cas.get(job.projectId, job.params.caId)]);

/**
 * Job `certificate.issue`: read, decide again (the RA, on what the store holds now), claim, sign
 * (the CA module), write. The claim is a conditional write only one delivery wins, taken before
 * anything is signed. From a CSR the certificate is recorded in the write that makes it `issued`;
 * with a server-side key it is recorded before the key leaves for Barbican. Either way a crash at
 * any point leaves no certificate anyone holds that cannot be listed, revoked or put on a CRL.
 */
export async function runIssueCertificate(job: JobRecord, ctx: WorkerContext, prefetched?: Promise<IssuanceReads>): Promise<Result> {
  const { caId, certificateId } = job.params;
  const { store } = ctx;
  const [cert, ca] = await (prefetched ?? readIssuance(job, ctx));
  if (!cert || cert.jobId !== job.id || cert.caId !== caId) {
    throw new JobRefusedError(`certificate ${certificateId} of project ${job.projectId} does not belong to job ${job.id}`);
  }
  if (cert.status === 'issued' || cert.status === 'revoked') {
    // A delivery that died or failed after issuing may have left what follows undone (its lookups, OCSP
    // answer, CRL partition, ACME order): done again, each step idempotent.
    if (cert.status === 'issued' && ca && isActive(ca)) {
      await store.certificates.index(cert);
      await completeIssuance(job, ca, cert, ctx);
    } else if (cert.status === 'issued' && cert.acme) await acmeOrderIssued(cert, ctx);
    return { type: 'certificate', id: cert.id };
  }
  if (cert.status === 'failed') throw conflict('CERTIFICATE_FAILED', `certificate ${cert.id} has already failed`);
  // Revoked on a CRL by the worker: a record set back to pending is not finished, nor renewed.
  if (cert.crlRevokedAt) throw new RecordContradictsCertificateError(`certificate ${cert.id} was revoked at ${cert.crlRevokedAt}; it is not issued again`);
  if (!ca) throw new JobRefusedError(`CA ${caId} is not in project ${job.projectId}`);
  if (!isActive(ca)) throw conflict('CA_NOT_ACTIVE', `CA ${caId} is ${ca.status}`);

  const now = ctx.now();
  // Decided again: a profile tightened since the request was accepted wins, and a policy question
  // the request was not granted (a wildcard, a TTL beyond max_ttl) is refused, not signed.
  const decision = decideIssuance(ca, issuanceRequestOf(cert), now);
  const missing = ungranted(decision.questions, grantsOf(cert));
  // Fails (it does not wait): the profile may have changed since (a renewal past a lowered max_ttl).
  if (missing.length) throw new AppError('POLICY_NOT_GRANTED', 403, `certificate ${cert.id} now asks for ${missing.map((q) => (q === 'wildcard' ? 'a wildcard name' : 'a TTL beyond the profile\'s max_ttl')).join(' and ')}, which its request was not granted; someone allowed to must request it`);

  if (cert.acme) await checkAcmeOrder(cert, ctx);
  await checkUserCertificateRequest(job, ca, cert, ctx);
  // A server-side key goes only to a user who still holds a role on the project (Barbican ACLs are per
  // user: a renewal or reissue would otherwise hand a fresh key to someone who has left).
  if (cert.serverSideKey && !(await ctx.membership.holdsRoleOn(cert.createdBy, job.projectId))) {
    throw new AppError('KEY_OWNER_NOT_MEMBER', 409, `user ${cert.createdBy}, for whom certificate ${cert.id} makes its key, no longer holds a role on project ${job.projectId}; a member must request the certificate`);
  }
  const claim = newClaim(now);
  const claimed = await store.certificates.claim(job.projectId, cert.id, claim, now, ['pending']);
  const release = () => store.certificates.updateClaimed(job.projectId, cert.id, claim.token, {}, true);
  if (claimed.certificatePem && claimed.serial) return underClaim(release, () => resumeAfterCrash(job, ca, claimed, claim.token, ctx));
  return underClaim(release, () => signAndDeliver(job, ca, cert, decision, claim.token, ctx));
}

async function signAndDeliver(job: JobRecord, ca: ActiveCa, cert: CertificateRecord, decision: IssuanceDecision, token: string, ctx: WorkerContext): Promise<Result> {
  const { store } = ctx;
  const { caId } = job.params;
  const now = ctx.now();

  const issuer = await issuerFor(ca, { projectId: job.projectId, caId }, ctx);
  const made = cert.serverSideKey ? await serverSideKey(decision) : undefined;
  const csrPem = made?.csrPem ?? cert.csrPem;
  const spkiDer = made ? made.key.publicKey.export({ type: 'spki', format: 'der' }) : decision.spkiDer!;
  // The CRL of the key that signs it (each generation has its own), or that CRL's partition for the
  // window its notAfter falls in: revoking it re-signs one window's CRL, not the whole CA's.
  const generationCrl = crlNameOf(ca, issuer.generation);
  const partition = ctx.publicUrl ? crlPartitionFor(generationCrl, decision.notAfter) : undefined;
  const revocation = ctx.publicUrl ? revocationUrls(ctx.publicUrl, job.projectId, caId, partition?.name ?? generationCrl) : undefined;
  const plan = leafPlan(decision, spkiDer, { csrPem, ...(revocation ? { revocation } : {}) });
  const issued = await issue(plan, issuer, ctx.driver, now);

  const signed = { certificatePem: issued.pem, keyGeneration: issuer.generation, serial: issued.serial, notBefore: decision.notBefore.toISOString(), notAfter: decision.notAfter.toISOString() };
  // Issued with its renewal time in the same write: whoever sees it issued sees when it renews.
  const renewAt = cert.renewal && renewAtFor(decision.notBefore, decision.notAfter, cert.renewal).toISOString();
  let containerRef: string | undefined;
  if (made) {
    // Recorded before the key leaves: from here on this certificate exists for listing and revocation.
    await store.certificates.updateClaimed(job.projectId, cert.id, token, signed);
    containerRef = await ctx.delivery.deliver({
      projectId: job.projectId,
      certificateId: cert.id,
      readerUserId: cert.createdBy,
      keyPem: made.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      certificatePem: issued.pem,
      chainPem: [ca.certificatePem, ...(ca.chainPem ?? [])].join('\n'),
    });
  }
  // From a CSR nothing leaves before this write, so signed and issued are one write (a certificate
  // signed by a delivery that dies before it was never seen by anyone: the retry signs afresh).
  const done = await store.certificates.updateClaimed(job.projectId, cert.id, token, { ...(made ? {} : signed), status: 'issued', ...(renewAt ? { renewAt } : {}), ...(containerRef ? { keyContainerRef: containerRef } : {}) }, true);
  // Searchable by serial and expiry beside the rest that follows issuance (a crash before is indexed on
  // resume or retry). Names and profile were indexed with the request (certificates.create writes them
  // before the record); a retry writes them again too, should an older writer have left them out (`job`
  // is as read before this attempt's `running` write: its attempts are the earlier ones).
  const partitionTarget = partition && { name: partition.name, coversUntil: partition.coversUntil.toISOString() };
  await Promise.all([store.certificates.index(done, job.attempts > 0 ? undefined : SIGNED_POINTER_KINDS), afterIssuance(job, ca, done, issuer, ctx, partitionTarget)]);
  return { type: 'certificate', id: cert.id };
}

/**
 * An earlier delivery signed and recorded this certificate, then died. From a CSR, the requester
 * holds the key: the certificate is finished. A server-side key died with that delivery, so the
 * certificate can never be used: whatever that delivery left in Barbican (found by name: the
 * record references none of it) is removed, the certificate revoked (and on the CRL at once) and the job fails.
 */
async function resumeAfterCrash(job: JobRecord, ca: ActiveCa, cert: CertificateRecord, token: string, ctx: WorkerContext): Promise<Result> {
  await ctx.store.certificates.index(cert);
  if (!cert.serverSideKey) {
    const renewAt = cert.renewal && renewAtFor(new Date(cert.notBefore!), new Date(cert.notAfter!), cert.renewal).toISOString();
    const done = await ctx.store.certificates.updateClaimed(job.projectId, cert.id, token, { status: 'issued', ...(renewAt ? { renewAt } : {}) }, true);
    await completeIssuance(job, ca, done, ctx);
    return { type: 'certificate', id: cert.id };
  }
  const removed = await ctx.delivery.discard(job.projectId, cert.id);
  if (removed) log.info('undelivered key removed from Barbican', { jobId: job.id, certificateId: cert.id, removed });
  const reason = `the worker stopped while delivering the key of certificate ${cert.id} (serial ${cert.serial}); the certificate was revoked, request a new one`;
  const at = ctx.now().toISOString();
  await ctx.store.certificates.updateClaimed(job.projectId, cert.id, token, { status: 'revoked', revokedAt: at, revocationReason: 'cessationOfOperation', failureReason: reason }, true);
  await publishCrls(ca, ctx, 'revoked', { certificateId: cert.id });
  throw new AppError('KEY_DELIVERY_INTERRUPTED', 409, reason);
}

const ignoreStale = (e: unknown) => {
  if (!(e instanceof StaleRecordError)) throw e;
};

/**
 * What follows issuance, for a certificate an earlier delivery signed: by the generation that signed
 * it (a rotation may have come in between), its CRL partition the one it names (whatever
 * CRL_PARTITION_DAYS says now).
 */
async function completeIssuance(job: JobRecord, ca: ActiveCa, cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  const signer = signerOf(liveGenerations(ca, ctx.now()))(cert);
  const issuer = await issuerFor(ca, { projectId: job.projectId, caId: ca.id }, ctx, signer);
  const partition = generationsFor(ca, ctx, issuer).partitionOf(cert, issuer.generation);
  await afterIssuance(job, ca, cert, issuer, ctx, partition ? { name: partition, coversUntil: cert.notAfter } : undefined);
}

/** What follows issuance is independent, so written side by side; the OCSP answer exists before the job says succeeded. */
async function afterIssuance(job: JobRecord, ca: ActiveCa, cert: CertificateRecord, issuer: CaIssuer, ctx: WorkerContext, partition?: PartitionTarget): Promise<void> {
  const notBefore = new Date(cert.notBefore!);
  const notAfter = new Date(cert.notAfter!);
  const notice = nextExpiryNotice(notAfter, ctx.now());
  await Promise.all([
    notice && ctx.store.expiryNotices.put({ id: cert.id, projectId: job.projectId, expiresAt: notAfter.toISOString(), days: notice.days, notifyAt: notice.notifyAt.toISOString() }),
    // Not if it was revoked meanwhile (the schedule is conditional on `issued`).
    cert.renewal && ctx.store.renewals.schedule(job.projectId, cert.id, renewAtFor(notBefore, notAfter, cert.renewal).toISOString()).catch(ignoreStale),
    cert.renewedFrom &&
      recordEvent({ projectId: job.projectId, userId: job.createdBy, action: 'certificate.renewed', outcome: 'success', object: { type: 'certificate', id: cert.id }, reason: `renews certificate ${cert.renewedFrom}` }, ctx.store),
    presignOcsp(ca, issuer, cert, ctx),
    partition && ensurePartition(ca, issuer, partition, ctx),
  ]);
  // Last: an ACME client that sees its order valid fetches the certificate and may ask OCSP at once.
  if (cert.acme) await acmeOrderIssued(cert, ctx);
}

/** A tenant key made in the worker (always in memory: it is delivered, not kept) and its CSR. */
async function serverSideKey(decision: IssuanceDecision): Promise<{ key: MemoryKeyHandle; csrPem: string }> {
  const key = await nativeDriver.createKey(decision.keyType);
  return { key, csrPem: await signCsr(encodeName(decision.subject), key, nativeDriver) };
}

/** The leaf's partition CRL, published if it is the first of its window (ensurePartitionCrl). */
async function ensurePartition(ca: ActiveCa, issuer: CaIssuer, partition: PartitionTarget, ctx: WorkerContext): Promise<void> {
  const gens = generationsFor(ca, ctx, issuer);
  const g = gens.list.find((x) => x.generation === issuer.generation);
  if (g) await ensurePartitionCrl(gens, g, partition, ctx);
}
