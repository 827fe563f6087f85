import { caPlan, issue, liveGenerations, type Issuer } from '../ca/index.js';
import { conflict } from '../errors/index.js';
import type { CaRecord, JobRecord } from '../store/index.js';
import { subjectKeyIdentifier } from '../x509/index.js';
import { caSigningKey, isActive, issuerFor, keepCaKey, newCaKey, recordMatchesCertificate, type ActiveCa } from './caKey.js';
import { newClaim, underClaim } from './claim.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';
import { publishCrls } from './revocation.js';

function active(ca: CaRecord | undefined, what: string): ActiveCa {
  if (!ca) throw new JobRefusedError(`${what} is not in the project`);
  if (!isActive(ca)) throw conflict('CA_NOT_ACTIVE', `${what} is ${ca.status}`);
  return ca;
}

/**
 * Job `ca.rotate`: a new key and certificate for the same name. A root's new key is also certified
 * by its old key (a cross certificate), so relying parties that trust only the old root still
 * accept what the new key signs; an intermediate's new certificate comes from its parent as before.
 * Claimed first; the new key is recorded before it signs, so a retry reuses it.
 */
export async function runRotateCa(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const ca = active(await ctx.store.cas.get(job.projectId, job.params.caId), `CA ${job.params.caId}`);
  if (ca.rotationJobId !== job.id) {
    if (ca.previousCertificatePem && ca.rotationJobId === undefined) return { type: 'ca', id: ca.id };
    throw new JobRefusedError(`CA ${ca.id} was not asked to rotate by job ${job.id}`);
  }
  // An external CA's certificate comes from outside: the service never signs one for it.
  if (ca.external) throw new JobRefusedError(`CA ${ca.id} is signed by an external CA; it is not rotated here`);
  const parent = ca.parentId ? active(await ctx.store.cas.get(job.projectId, ca.parentId), `parent CA ${ca.parentId}`) : undefined;
  const now = ctx.now();
  const claim = newClaim(now);
  const claimed = await ctx.store.cas.claim(job.projectId, ca.id, claim, now, ['active']);
  return underClaim(
    () => ctx.store.cas.updateClaimed(job.projectId, ca.id, claim.token, {}, true),
    () => rotate(job, ca, claimed, parent, claim.token, now, ctx),
  );
}

async function rotate(job: JobRecord, ca: ActiveCa, claimed: CaRecord, parent: ActiveCa | undefined, token: string, now: Date, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const generation = (ca.keyGeneration ?? 0) + 1;
  const name = { projectId: job.projectId, caId: ca.id, generation };
  let key;
  if (claimed.pendingKeyRef) key = await caSigningKey(name, ca.keyType, claimed.pendingKeyRef, ctx);
  else {
    key = await newCaKey(name, ca.keyType, ctx);
    await ctx.store.cas.updateClaimed(job.projectId, ca.id, token, { pendingKeyRef: await keepCaKey(name, key, ctx) });
  }
  const keyRef = (await ctx.store.cas.get(job.projectId, ca.id))?.pendingKeyRef;
  if (!keyRef) throw new Error(`CA ${ca.id}: the rotation's new key was not recorded`);

  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const old = await issuerFor(ca, { projectId: job.projectId, caId: ca.id }, ctx);
  recordMatchesCertificate(ca, old.certificate);
  // The same Name as the certificate it replaces, byte for byte.
  const plan = { ...caPlan(ca, spkiDer, parent ? 'intermediate' : 'root', now, parent && new Date(parent.notAfter)), subjectDer: old.nameDer } as const;
  const self: Issuer = { nameDer: plan.subjectDer, keyType: ca.keyType, key, subjectKeyId: ski };
  const fresh = await issue(plan, parent ? await issuerFor(parent, { projectId: job.projectId, caId: parent.id }, ctx) : self, ctx.driver, now);
  // The cross certificate: the same name and new key, vouched for by the old key (an intermediate to relying parties).
  const cross = parent ? undefined : await issue({ ...plan, kind: 'intermediate' }, old, ctx.driver, now);

  const rotated = await ctx.store.cas.updateClaimed(
    job.projectId,
    ca.id,
    token,
    {
      keyGeneration: generation,
      keyRef,
      pendingKeyRef: undefined,
      certificatePem: fresh.pem,
      serial: fresh.serial,
      notBefore: plan.notBefore.toISOString(),
      notAfter: plan.notAfter.toISOString(),
      subjectKeyId: ski.toString('hex'),
      // An intermediate's new certificate is signed by its parent's key in use now (rotated too, maybe).
      ...(parent ? { chainPem: [parent.certificatePem, ...(parent.chainPem ?? [])] } : {}),
      previousCertificatePem: ca.certificatePem,
      crossCertificatePem: cross?.pem,
      // The old key keeps answering for what it signed, as do earlier ones until their certificate expires.
      previousGenerations: liveGenerations(ca, now),
      // The unsuffixed CRL URL stays the old key's: every certificate issued until now names it.
      crlBaseGeneration: ca.crlBaseGeneration ?? ca.keyGeneration ?? 0,
      rotationJobId: undefined,
    },
    true,
  );
  // The new key signs a CRL of its own from now on, the old one goes on with its own.
  if (isActive(rotated)) await publishCrls(rotated, ctx, 'revoked');
  return { type: 'ca', id: ca.id };
}
