import { X509Certificate } from 'node:crypto';
import { caPlan, issue, signCsr, type Issuer } from '../ca/index.js';
import { conflict } from '../errors/index.js';
import type { KeyHandle } from '../drivers/index.js';
import type { CaRecord, JobRecord } from '../store/index.js';
import { encodeName, subjectKeyIdentifier } from '../x509/index.js';
import { caSigningKey, isActive, issuerFor, keepCaKey, newCaKey, recordMatchesCertificate, type ActiveCa } from './caKey.js';
import { newClaim, underClaim } from './claim.js';
import type { WorkerContext } from './context.js';
import { decideSubordinate } from '../ra/index.js';
import { JobRefusedError, RecordContradictsCertificateError } from './outcomes.js';
import { publishCrls } from './revocation.js';

type Result = { type: 'ca'; id: string };

/**
 * Job `ca.create`: a new key (into Barbican, or the driver's token) and the CA certificate:
 * self-signed for a root, signed by the parent CA's key for an intermediate; for an external
 * intermediate, its CSR. One delivery claims the CA before any key is made; the key is recorded
 * before anything is signed with it, so a retry after a crash uses the same key, never a second.
 */
export async function runCreateCa(job: JobRecord, ctx: WorkerContext): Promise<Result> {
  const caId = job.params.caId;
  const ca = await ctx.store.cas.get(job.projectId, caId);
  if (!ca || ca.jobId !== job.id) throw new JobRefusedError(`CA ${caId} of project ${job.projectId} does not belong to job ${job.id}`);
  if (ca.status !== 'pending') {
    // A delivery that stopped after activating the CA may not have published its first CRL.
    if (isActive(ca) && !(await ctx.store.crls.get(job.projectId, ca.id))) await publishCrls(ca, ctx, 'revoked');
    return { type: 'ca', id: ca.id };
  }
  // A CA the worker has certified is never made again: a record set back to pending (a field the
  // API may write) would otherwise have its key certified a second time, under other constraints.
  if (ca.certificatePem) throw new RecordContradictsCertificateError(`CA ${ca.id} already has a certificate; it is not made again`);
  const parent = ca.parentId ? await activeParent(ca, ca.parentId, ctx) : undefined;
  const now = ctx.now();
  const claim = newClaim(now);
  const claimed = await ctx.store.cas.claim(job.projectId, caId, claim, now, ['pending']);
  return underClaim(
    () => ctx.store.cas.updateClaimed(job.projectId, caId, claim.token, {}, true),
    () => makeCa(job, ca, claimed, parent, claim.token, now, ctx),
  );
}

async function makeCa(job: JobRecord, ca: CaRecord, claimed: CaRecord, parent: ActiveCa | undefined, token: string, now: Date, ctx: WorkerContext): Promise<Result> {
  const caId = ca.id;
  const key = await recordedKey(claimed, token, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });

  if (ca.external) {
    // What the external CA is asked to certify; its constraints are the admin's, enforced whatever the external CA writes.
    const csrPem = await signCsr(encodeName(ca.subject), key, ctx.driver, { basicConstraintsCa: true, pathLen: ca.pathLen });
    await ctx.store.cas.updateClaimed(job.projectId, caId, token, { status: 'awaiting_certificate', caCsrPem: csrPem, constraintChain: ca.nameConstraints ? [ca.nameConstraints] : [] }, true);
    return { type: 'ca', id: caId };
  }

  const ski = subjectKeyIdentifier(spkiDer);
  const plan = caPlan(ca, spkiDer, parent ? 'intermediate' : 'root', now, parent && new Date(parent.notAfter));
  const issuer: Issuer = parent ? await issuerFor(parent, { projectId: job.projectId, caId: parent.id }, ctx) : { nameDer: plan.subjectDer, keyType: ca.keyType, key, subjectKeyId: ski };
  const issued = await issue(plan, issuer, ctx.driver, now);
  const activated = await ctx.store.cas.updateClaimed(
    job.projectId,
    caId,
    token,
    {
      status: 'active',
      certificatePem: issued.pem,
      chainPem: parent ? [parent.certificatePem, ...(parent.chainPem ?? [])] : [],
      serial: issued.serial,
      notBefore: plan.notBefore.toISOString(),
      notAfter: plan.notAfter.toISOString(),
      // The constraints of the whole path, the parent's as the worker recorded them, and this CA's own.
      constraintChain: [...(parent?.constraintChain ?? []), ...(ca.nameConstraints ? [ca.nameConstraints] : [])],
    },
    true,
  );
  // Its (empty) CRL exists from the start: relying parties that check CRLs can use it at once.
  if (isActive(activated)) await publishCrls(activated, ctx, 'revoked');
  return { type: 'ca', id: caId };
}

/** The CA's key: the one an earlier delivery recorded, or a new one, recorded before it signs anything. */
async function recordedKey(ca: CaRecord, token: string, ctx: WorkerContext): Promise<KeyHandle> {
  const name = { projectId: ca.projectId, caId: ca.id };
  if (ca.keyRef) return caSigningKey(name, ca.keyType, ca.keyRef, ctx);
  const key = await newCaKey(name, ca.keyType, ctx);
  const keyRef = await keepCaKey(name, key, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  await ctx.store.cas.updateClaimed(ca.projectId, ca.id, token, { keyRef, subjectKeyId: subjectKeyIdentifier(spkiDer).toString('hex') });
  return key;
}

/** The parent as the store has it now: same project, active, unexpired, allowed to sign a CA. */
async function activeParent(ca: CaRecord, parentId: string, ctx: WorkerContext): Promise<ActiveCa> {
  const parent = await ctx.store.cas.get(ca.projectId, parentId);
  if (!parent) throw new JobRefusedError(`parent CA ${parentId} is not in project ${ca.projectId}`);
  // Decided again, on the parent as it is now (its record as its certificate says) and the path length recorded for this CA.
  if (isActive(parent)) recordMatchesCertificate(parent, new X509Certificate(parent.certificatePem));
  decideSubordinate(parent, ca.pathLen ?? (parent.pathLen === undefined ? undefined : Infinity), ctx.now());
  if (!isActive(parent)) throw conflict('CA_NOT_ACTIVE', `parent CA ${parentId} is ${parent.status}`);
  return parent;
}
