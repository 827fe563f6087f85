import { crlNameOf, liveGenerations, revocationUrls, signCrl, signerOf, signOcsp } from '../ca/index.js';
import { conflict } from '../errors/index.js';
import { crlRecordId, StaleRecordError, type CertificateRecord, type JobRecord } from '../store/index.js';
import { normaliseSerialHex, type OcspCertStatus } from '../x509/index.js';
import { isActive, issuerFor, type ActiveCa, type CaIssuer } from './caKey.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';

/** How long a CRL and a pre-signed OCSP response stay valid; they are re-signed well before. */
const validityMs = (name: string, fallbackDays: number) => Number(process.env[name] ?? fallbackDays * 86400) * 1000;

/** Every certificate of a CA, from the CA index (a query, not a table scan). */
async function certificatesOf(ctx: WorkerContext, projectId: string, caId: string): Promise<CertificateRecord[]> {
  const out: CertificateRecord[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.store.certificates.list(projectId, 500, marker, caId);
    out.push(...page.items);
    marker = page.next;
  } while (marker);
  return out;
}

/**
 * Job `crl.publish`: after a revocation (`scope` revoked: their OCSP answers too) or on schedule
 * before `nextUpdate` (`scope` all: every OCSP answer of the CA is signed again).
 */
export async function runPublishCrl(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const ca = await ctx.store.cas.get(job.projectId, job.params.caId);
  if (!ca) throw new JobRefusedError(`CA ${job.params.caId} is not in project ${job.projectId}`);
  if (!isActive(ca)) throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}`);
  await publishCrls(ca, ctx, job.params.scope === 'all' ? 'all' : 'revoked');
  return { type: 'ca', id: ca.id };
}

/**
 * Every live key generation of the CA (the current one first) signs its own CRL and fresh OCSP
 * answers, for the certificates it signed: a rotation does not take revocation away from what the
 * old key signed. Also called when a CA becomes active, so its CRL exists before anything is revoked.
 */
export async function publishCrls(ca: ActiveCa, ctx: WorkerContext, scope: 'revoked' | 'all'): Promise<void> {
  const generations = liveGenerations(ca, ctx.now());
  const signer = signerOf(generations);
  const signedBy = new Map(generations.map((g) => [g.generation, [] as CertificateRecord[]]));
  for (const c of await stampRevocations(await certificatesOf(ctx, ca.projectId, ca.id), ctx)) {
    // Which key signed a certificate is what the worker wrote (its record's generation, or its certificate).
    const g = signer(c);
    if (g) signedBy.get(g.generation)?.push(c);
  }
  for (const g of generations) await publishCrl(ca, await issuerFor(ca, { projectId: ca.projectId, caId: ca.id }, ctx, g), signedBy.get(g.generation) ?? [], ctx, scope);
}

/**
 * One generation's full CRL from the store's revocations, under its next CRL number (numbers go up
 * per generation: each has a CRL of its own), and fresh OCSP answers. Idempotent: running it twice
 * publishes the same entries under a higher number.
 */
async function publishCrl(ca: ActiveCa, issuer: CaIssuer, all: CertificateRecord[], ctx: WorkerContext, scope: 'revoked' | 'all'): Promise<void> {
  const now = ctx.now();
  const crlName = crlNameOf(ca, issuer.generation);
  const id = crlRecordId(ca.id, crlName);
  const previous = await ctx.store.crls.get(ca.projectId, id);
  // What earlier CRLs carried stays; what the records add since is added.
  const entries = new Map((previous?.revokedSerials ?? []).map((e) => [e.serial, e]));
  for (const c of all) {
    if (c.crlRevokedAt && c.serial && !entries.has(normaliseSerialHex(c.serial))) entries.set(normaliseSerialHex(c.serial), { serial: normaliseSerialHex(c.serial), revokedAt: c.crlRevokedAt, ...(c.crlRevocationReason ? { reason: c.crlRevocationReason } : {}) });
  }
  const revoked = [...entries.values()];
  const crlNumber = (previous?.crlNumber ?? 0) + 1;
  const validity = validityMs('CRL_VALIDITY_SECONDS', 7);
  const nextUpdate = new Date(now.getTime() + validity);
  const der = await signCrl(
    {
      thisUpdate: now,
      nextUpdate,
      crlNumber: BigInt(crlNumber),
      revoked: revoked.map((e) => ({ serialHex: e.serial, revokedAt: new Date(e.revokedAt), reason: e.reason })),
      ...(ctx.publicUrl ? { issuingDistributionPointUri: revocationUrls(ctx.publicUrl, ca.projectId, ca.id, crlName).crlUrl } : {}),
    },
    issuer,
    ctx.driver,
  );
  try {
    // Re-signed at half its validity, well before relying parties would reject it. Only the current
    // generation's CRL is scheduled: the job it brings re-signs every generation's.
    const current = issuer.generation === (ca.keyGeneration ?? 0);
    await ctx.store.crls.put(
      { id, projectId: ca.projectId, caId: ca.id, keyGeneration: issuer.generation, crlNumber, thisUpdate: now.toISOString(), nextUpdate: nextUpdate.toISOString(), derBase64: der.toString('base64'), updatedAt: now.toISOString(), revokedSerials: revoked },
      current ? new Date(now.getTime() + validity / 2).toISOString() : undefined,
    );
  } catch (e) {
    // A concurrent job published a newer CRL, which has these entries too.
    if (!(e instanceof StaleRecordError)) throw e;
  }
  const live = (c: CertificateRecord) => c.status === 'issued' && !c.crlRevokedAt && !!c.serial && !entries.has(normaliseSerialHex(c.serial)) && !!c.notAfter && Date.parse(c.notAfter) > now.getTime();
  // Revoked answers come from the CRL's own entries, whatever the records say now.
  const revokedAnswers = revoked.map((e) => ({ id: e.serial, projectId: ca.projectId, serial: e.serial, status: 'revoked' as const, crlRevokedAt: e.revokedAt, crlRevocationReason: e.reason }) as CertificateRecord);
  for (const cert of scope === 'all' ? [...all.filter(live), ...revokedAnswers] : revokedAnswers) await presignOcsp(ca, issuer, cert, ctx);
}

/**
 * A revocation asked for through the API becomes the worker's own record (crlRevokedAt, an
 * attribute the API role cannot write or remove) the first time a CRL is signed with it; from then
 * on a compromised API setting the certificate back to `issued` cannot take it off the CRL.
 */
async function stampRevocations(all: CertificateRecord[], ctx: WorkerContext): Promise<CertificateRecord[]> {
  return Promise.all(
    all.map(async (c) => {
      if (c.status !== 'revoked' || c.crlRevokedAt || !c.serial) return c;
      const fields = { crlRevokedAt: c.revokedAt ?? ctx.now().toISOString(), ...(c.revocationReason ? { crlRevocationReason: c.revocationReason } : {}) };
      try {
        await ctx.store.certificates.recordCrlRevocation(c.projectId, c.id, fields);
      } catch (e) {
        // No longer revoked as read (changed meanwhile): left for the next CRL to judge.
        if (e instanceof StaleRecordError) return c;
        throw e;
      }
      return { ...c, ...fields };
    }),
  );
}

/** A signed OCSP response for one certificate by the generation that signed it, stored for the API to serve (the API holds no key). */
export async function presignOcsp(ca: ActiveCa, issuer: CaIssuer, cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  const revokedAt = cert.crlRevokedAt ?? (cert.status === 'revoked' ? cert.revokedAt : undefined);
  if (!cert.serial || (cert.status !== 'issued' && !revokedAt)) return;
  const serial = normaliseSerialHex(cert.serial);
  const now = ctx.now();
  const nextUpdate = new Date(now.getTime() + validityMs('OCSP_VALIDITY_SECONDS', 7));
  const status: OcspCertStatus = revokedAt ? { revokedAt: new Date(revokedAt), reason: cert.crlRevocationReason ?? cert.revocationReason } : 'good';
  // One answer per CertID hash clients use (SHA-1, as RFC 5019 asks, and SHA-256).
  const [der, der256] = await Promise.all([signOcsp(issuer, serial, status, now, nextUpdate, ctx.driver, 'sha1'), signOcsp(issuer, serial, status, now, nextUpdate, ctx.driver, 'sha256')]);
  // Answers re-signed from the CRL's own entries have no record at hand (and no caId): they keep the certificate the previous answer named.
  const certificateId = cert.caId ? cert.id : (await ctx.store.ocspResponses.get(ca.projectId, ca.id, serial))?.certificateId;
  try {
    await ctx.store.ocspResponses.put({
      id: `${ca.id}:${serial}`,
      projectId: ca.projectId,
      caId: ca.id,
      serial,
      ...(certificateId ? { certificateId } : {}),
      status: revokedAt ? 'revoked' : 'good',
      keyGeneration: issuer.generation,
      thisUpdate: now.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      derBase64: der.toString('base64'),
      derSha256Base64: der256.toString('base64'),
      updatedAt: now.toISOString(),
    });
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
  }
}
