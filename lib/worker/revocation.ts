import { signOcsp } from '../ca/index.js';
import { conflict } from '../errors/index.js';
import { log } from '../log/index.js';
import { crlRecordId, StaleRecordError, type CaKeyGeneration, type CertificateRecord, type JobRecord, type RevocationRecord } from '../store/index.js';
import { normaliseSerialHex, type OcspCertStatus } from '../x509/index.js';
import { isActive, type ActiveCa, type CaIssuer } from './caKey.js';
import type { WorkerContext } from './context.js';
import { entriesOf, generationsFor, publishCrl, validityMs, type CrlEntries, type Generations } from './crlPublish.js';
import { JobRefusedError } from './outcomes.js';

/**
 * Which revocations asked for through the API a publication records first: `{ certificateId }` the
 * one its job names (a revocation's job: the CA's size does not matter), `walk` any of the CA's
 * certificates (paged: jobs queued before jobs named their certificate), `none` (a new CA or key).
 */
export type Pending = { certificateId: string } | 'walk' | 'none';

/** Certificates read per page when a publication walks a CA's certificates (the CA index: a query, not a scan). */
const CERTIFICATE_PAGE = 500;

/**
 * Job `crl.publish`: after a revocation (its certificate named: that one's OCSP answers are signed)
 * or on schedule before `nextUpdate` (`scope` all: every OCSP answer of the CA is signed again).
 */
export async function runPublishCrl(job: JobRecord, ctx: WorkerContext): Promise<{ type: 'ca'; id: string }> {
  const ca = await ctx.store.cas.get(job.projectId, job.params.caId);
  if (!ca) throw new JobRefusedError(`CA ${job.params.caId} is not in project ${job.projectId}`);
  if (!isActive(ca)) throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}`);
  const all = job.params.scope === 'all';
  await publishCrls(ca, ctx, all ? 'all' : 'revoked', !all && job.params.certificateId ? { certificateId: job.params.certificateId } : 'walk');
  return { type: 'ca', id: ca.id };
}

/**
 * Every live key generation of the CA (the current one first) signs its own CRL, for the
 * certificates it signed: a rotation does not take revocation away from what the old key signed.
 * First the revocations not yet recorded are (with their OCSP answers); `all` also signs every OCSP
 * answer again, walking the certificates a page at a time. Also called when a CA becomes active,
 * so its CRL exists before anything is revoked.
 */
export async function publishCrls(ca: ActiveCa, ctx: WorkerContext, scope: 'revoked' | 'all', pending: Pending = 'none'): Promise<void> {
  const gens = generationsFor(ca, ctx);
  if (scope === 'all') await resignAll(gens, ctx);
  else if (pending === 'walk') await walkCertificates(gens, ctx, await knownEntries(gens, ctx), async () => {});
  else if (pending !== 'none') {
    const cert = await ctx.store.certificates.get(ca.projectId, pending.certificateId);
    // The job names a certificate of this CA; any other is not this CA's to put on its CRL.
    if (cert?.caId === ca.id) await recordRevocation(gens, cert, undefined, ctx);
    else log.error('revocation job names no certificate of its CA', { project: ca.projectId, ca: ca.id, certificate: pending.certificateId });
  }
  if (scope !== 'all') {
    // The partitions first: a revoked certificate's own CRL is as quick to sign whatever the CA's size.
    for (const [name, g] of gens.touched) await publishCrl(gens, g, ctx, { name });
    for (const g of gens.list) await publishCrl(gens, g, ctx);
  }
}

/** Every partition of each generation whose window has not ended, re-signed (the scheduled job). */
async function resignPartitions(gens: Generations, ctx: WorkerContext): Promise<void> {
  const now = ctx.now().getTime();
  for (const g of gens.list) {
    const crlId = gens.crlIdOf(g);
    for (const head of await ctx.store.crls.partitions(gens.ca.projectId, crlId)) {
      const name = head.id.slice(gens.ca.id.length + 1);
      if (gens.touched.has(name) || !head.coversUntil || Date.parse(head.coversUntil) > now) gens.touched.set(name, g);
    }
  }
  for (const [name, g] of gens.touched) await publishCrl(gens, g, ctx, { name });
}

/** The scheduled re-signing: pending revocations recorded, CRLs signed, every OCSP answer signed again. */
async function resignAll(gens: Generations, ctx: WorkerContext): Promise<void> {
  const known = await knownEntries(gens, ctx);
  const recorded = new Set<string>();
  const now = ctx.now().getTime();
  await walkCertificates(gens, ctx, known, async (c, g) => {
    const serial = normaliseSerialHex(c.serial!);
    // On a CRL is revoked, whatever the record says now (the API may set it back to issued).
    if (known.get(g.generation)?.has(serial)) return;
    if (c.status === 'issued' && !c.crlRevokedAt && !!c.notAfter && Date.parse(c.notAfter) > now) await presignOcsp(gens.ca, await gens.issuer(g), c, ctx);
  }, recorded);
  await resignPartitions(gens, ctx);
  for (const g of gens.list) {
    const entries = await publishCrl(gens, g, ctx);
    const issuer = await gens.issuer(g);
    // Revoked answers come from the CRL's own entries (those recorded in this run have theirs).
    for (const e of entries.values()) if (!recorded.has(e.serial)) await presignOcsp(gens.ca, issuer, revokedAnswerOf(gens.ca, e), ctx);
  }
}

/** Each generation's entries, before a walk: a certificate on its CRL already is not recorded again. */
async function knownEntries(gens: Generations, ctx: WorkerContext): Promise<Map<number, CrlEntries>> {
  const out = new Map<number, CrlEntries>();
  for (const g of gens.list) {
    const crlId = gens.crlIdOf(g);
    out.set(g.generation, await entriesOf(gens.ca, crlId, await ctx.store.crls.get(gens.ca.projectId, crlId), ctx));
  }
  return out;
}

/**
 * The CA's certificates a page at a time (never all held at once): each revocation not on its
 * generation's CRL yet is recorded, then `each` sees the certificate (with its signing generation).
 */
async function walkCertificates(
  gens: Generations,
  ctx: WorkerContext,
  known: Map<number, CrlEntries>,
  each: (c: CertificateRecord, g: CaKeyGeneration) => Promise<void>,
  recorded = new Set<string>(),
): Promise<void> {
  let marker: string | undefined;
  do {
    const page = await ctx.store.certificates.list(gens.ca.projectId, CERTIFICATE_PAGE, marker, gens.ca.id);
    await Promise.all(
      page.items.map(async (c) => {
        // Which key signed a certificate is what the worker wrote (its record's generation, or its certificate).
        const g = c.serial ? gens.signerOf(c) : undefined;
        if (!g) return;
        const entries = known.get(g.generation);
        const r = entries?.has(normaliseSerialHex(c.serial!)) ? undefined : await recordRevocation(gens, c, g, ctx);
        if (r) {
          entries?.set(r.serial, r);
          recorded.add(r.serial);
        }
        await each(c, g);
      }),
    );
    marker = page.next;
  } while (marker);
}

/**
 * A revocation becomes the worker's own record the first time a CRL is to carry it: an item of its
 * own (REV#, worker-only: a compromised API can neither remove it nor forge one), then the revoked
 * OCSP answers, then `crlRevokedAt` on the certificate. In that order a retry after a crash redoes
 * what is missing, and from the first step on, a certificate set back to `issued` stays on the CRL.
 * A certificate whose record has crlRevokedAt (an earlier version's record) but is not on the CRL
 * gets its item too. Undefined when there is nothing to record.
 */
async function recordRevocation(gens: Generations, c: CertificateRecord, signer: CaKeyGeneration | undefined, ctx: WorkerContext): Promise<RevocationRecord | undefined> {
  const stamped = !!c.crlRevokedAt;
  if (!c.serial || (!stamped && c.status !== 'revoked')) return undefined;
  const g = signer ?? gens.signerOf(c);
  // Signed by a generation that no longer answers (its certificate, and so this one, expired).
  if (!g) return undefined;
  const fields = { crlRevokedAt: c.crlRevokedAt ?? c.revokedAt ?? ctx.now().toISOString(), ...((c.crlRevocationReason ?? c.revocationReason) ? { crlRevocationReason: c.crlRevocationReason ?? c.revocationReason } : {}) };
  const r: RevocationRecord = { projectId: c.projectId, caId: gens.ca.id, crlId: gens.crlIdOf(g), serial: normaliseSerialHex(c.serial), crlCertificateId: c.id, ...fields };
  // On its partition's CRL first: the generation's item is what a walk takes as done.
  const partition = gens.partitionOf(c, g.generation);
  if (partition) {
    await ctx.store.revocations.record({ ...r, crlId: crlRecordId(gens.ca.id, partition) });
    gens.touched.set(partition, g);
  }
  await ctx.store.revocations.record(r);
  await presignOcsp(gens.ca, await gens.issuer(g), { ...c, ...fields }, ctx);
  if (stamped) return r;
  try {
    await ctx.store.certificates.recordCrlRevocation(c.projectId, c.id, fields);
  } catch (e) {
    // Changed meanwhile: its revocation item says revoked, and stays (revoked once is revoked).
    if (!(e instanceof StaleRecordError)) throw e;
  }
  return r;
}

/** What an OCSP answer re-signed from a CRL entry is for (without the certificate it names, the one the previous answer named). */
function revokedAnswerOf(ca: ActiveCa, e: RevocationRecord): CertificateRecord {
  const named = e.crlCertificateId ? { id: e.crlCertificateId, caId: ca.id } : { id: e.serial };
  return { ...named, projectId: ca.projectId, serial: e.serial, status: 'revoked', crlRevokedAt: e.crlRevokedAt, crlRevocationReason: e.crlRevocationReason } as CertificateRecord;
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
  // Answers re-signed from CRL entries of earlier versions have no record at hand (and no caId): they keep the certificate the previous answer named.
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
