import { X509Certificate } from 'node:crypto';
import { conflict } from '../errors/index.js';
import { log } from '../log/index.js';
import { cas, StaleRecordError, type CaRecord, type JobRecord } from '../store/index.js';
import { assembleCertificate, assertLintClean, buildTbsCertificate, lintCertificate, newSerial, signatureAlgorithmFor, subjectKeyIdentifier, toPem, type TbsInput } from '../x509/index.js';
import { caSigningKey, discardCaKey, issuerNameOf, keepCaKey, newCaKey } from './caKey.js';
import type { WorkerContext } from './context.js';
import { BACKDATE_MS } from './createCa.js';
import { JobRefusedError } from './outcomes.js';
import { publishCrl, type ActiveCa } from './revocation.js';

type Active = CaRecord & { keyRef: string; certificatePem: string; subjectKeyId: string; notAfter: string };

function active(ca: CaRecord | undefined, what: string): Active {
  if (!ca) throw new JobRefusedError(`${what} is not in the project`);
  if (ca.status !== 'active' || !ca.keyRef || !ca.certificatePem || !ca.subjectKeyId || !ca.notAfter) throw conflict('CA_NOT_ACTIVE', `${what} is ${ca.status}`);
  return ca as Active;
}

/**
 * Job `ca.rotate`: a new key and certificate for the same name. A root's new key is also certified
 * by its old key (a cross certificate), so relying parties that trust only the old root still
 * accept what the new key signs; an intermediate's new certificate comes from its parent as before.
 */
export async function runRotateCa(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const ca = active(await cas.get(job.projectId, job.params.caId), `CA ${job.params.caId}`);
  if (ca.rotationJobId !== job.id) {
    if (ca.previousCertificatePem && ca.rotationJobId === undefined) return { type: 'ca', id: ca.id };
    throw new JobRefusedError(`CA ${ca.id} was not asked to rotate by job ${job.id}`);
  }
  const generation = (ca.keyGeneration ?? 0) + 1;
  const next: CaRecord = { ...ca, keyGeneration: generation };
  const parent = ca.parentId ? active(await cas.get(ca.projectId, ca.parentId), `parent CA ${ca.parentId}`) : undefined;

  const oldKey = await caSigningKey(ca, ctx);
  const key = await newCaKey(next, ctx);
  const spkiDer = key.publicKey.export({ type: 'spki', format: 'der' });
  const ski = subjectKeyIdentifier(spkiDer);
  const name = issuerNameOf(ca);
  const now = ctx.now().getTime();
  const notBefore = new Date(now - BACKDATE_MS);
  const notAfter = new Date(Math.min(now + ca.validityDays * 86_400_000, parent ? Date.parse(parent.notAfter) : Infinity));
  const base = { subjectDer: name, notBefore, notAfter, spkiDer, profile: 'ca' as const, pathLen: ca.pathLen, nameConstraints: ca.nameConstraints, subjectKeyType: ca.keyType };

  const sign = async (issuerKeyType: CaRecord['keyType'], input: Omit<TbsInput, 'serial' | 'signatureAlgorithm'>, signer: Awaited<ReturnType<typeof caSigningKey>>) => {
    const algorithm = signatureAlgorithmFor(issuerKeyType);
    const serial = newSerial();
    const tbs = buildTbsCertificate({ ...input, serial, signatureAlgorithm: algorithm });
    return { pem: toPem(assembleCertificate(tbs, algorithm, await ctx.driver.sign(tbs, algorithm, signer)), 'CERTIFICATE'), serial };
  };
  const fresh = parent
    ? await sign(parent.keyType, { ...base, issuerDer: issuerNameOf(parent), authorityKeyId: Buffer.from(parent.subjectKeyId, 'hex') }, await caSigningKey(parent, ctx))
    : await sign(ca.keyType, { ...base, issuerDer: name, authorityKeyId: ski }, key);
  const cross = parent ? undefined : await sign(ca.keyType, { ...base, issuerDer: name, authorityKeyId: Buffer.from(ca.subjectKeyId, 'hex') }, oldKey);

  const made = new X509Certificate(fresh.pem);
  assertLintClean(lintCertificate(made.raw, { kind: parent ? 'intermediate' : 'root', issuerDer: parent ? new X509Certificate(parent.certificatePem).raw : undefined, now: ctx.now() }));
  if (cross && !new X509Certificate(cross.pem).verify(new X509Certificate(ca.certificatePem).publicKey)) throw new Error('self-check failed: the cross certificate does not verify with the old key');

  const keyRef = await keepCaKey(next, key, ctx);
  try {
    await cas.update(
      ca.projectId,
      ca.id,
      {
        keyGeneration: generation,
        keyRef,
        certificatePem: fresh.pem,
        serial: fresh.serial.toString('hex'),
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        subjectKeyId: ski.toString('hex'),
        previousCertificatePem: ca.certificatePem,
        crossCertificatePem: cross?.pem,
        rotationJobId: undefined,
      },
      ['active'],
    );
  } catch (e) {
    await discardCaKey(keyRef, key, ctx).catch((err) => log.warn('orphan CA key not removed', { keyRef, error: (err as Error).message }));
    if (e instanceof StaleRecordError) return { type: 'ca', id: ca.id };
    throw e;
  }
  // The new key signs the CRL from now on.
  const rotated = await cas.get(ca.projectId, ca.id);
  if (rotated) await publishCrl(rotated as ActiveCa, key, ctx, 'revoked');
  return { type: 'ca', id: ca.id };
}
