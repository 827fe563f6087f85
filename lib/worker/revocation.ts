import { X509Certificate } from 'node:crypto';
import type { KeyHandle } from '../drivers/index.js';
import { conflict } from '../errors/index.js';
import { cas, certificates, crls, ocspResponses, StaleRecordError, type CaRecord, type CertificateRecord, type JobRecord } from '../store/index.js';
import { revocationUrls } from '../views/index.js';
import { assembleCrl, buildBasicOcspResponse, buildTbsCrl, certIdFor, normaliseSerialHex, signatureAlgorithmFor, type OcspCertStatus } from '../x509/index.js';
import { caSigningKey, issuerNameOf } from './caKey.js';
import type { WorkerContext } from './context.js';
import { JobRefusedError } from './outcomes.js';

/** How long a CRL and a pre-signed OCSP response stay valid; they are re-signed well before. */
const validityMs = (name: string, fallbackDays: number) => Number(process.env[name] ?? fallbackDays * 86400) * 1000;

export type ActiveCa = CaRecord & { keyRef: string; certificatePem: string; subjectKeyId: string };

function activeCa(ca: CaRecord | undefined, caId: string, projectId: string): ActiveCa {
  if (!ca) throw new JobRefusedError(`CA ${caId} is not in project ${projectId}`);
  if (ca.status !== 'active' || !ca.keyRef || !ca.certificatePem || !ca.subjectKeyId) throw conflict('CA_NOT_ACTIVE', `CA ${caId} is ${ca.status}`);
  return ca as ActiveCa;
}

/** Every certificate of a CA, from the CA index (a query, not a table scan). */
async function certificatesOf(projectId: string, caId: string): Promise<CertificateRecord[]> {
  const out: CertificateRecord[] = [];
  let marker: string | undefined;
  do {
    const page = await certificates.list(projectId, 500, marker, caId);
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
  const ca = activeCa(await cas.get(job.projectId, job.params.caId), job.params.caId, job.projectId);
  await publishCrl(ca, await caSigningKey(ca, ctx), ctx, job.params.scope === 'all' ? 'all' : 'revoked');
  return { type: 'ca', id: ca.id };
}

/**
 * The CA's full CRL from the store's revocations, under the next CRL number, and fresh OCSP
 * answers. Idempotent: running it twice publishes the same entries under a higher number. Also
 * called when a CA becomes active, so its CRL exists before anything is revoked.
 */
export async function publishCrl(ca: ActiveCa, key: KeyHandle, ctx: WorkerContext, scope: 'revoked' | 'all'): Promise<void> {
  const all = await certificatesOf(ca.projectId, ca.id);
  const revoked = all.filter((c) => c.status === 'revoked');
  const now = ctx.now();
  const previous = await crls.get(ca.projectId, ca.id);
  const crlNumber = (previous?.crlNumber ?? 0) + 1;
  const algorithm = signatureAlgorithmFor(ca.keyType);
  const validity = validityMs('CRL_VALIDITY_SECONDS', 7);
  const nextUpdate = new Date(now.getTime() + validity);
  const tbs = buildTbsCrl({
    signatureAlgorithm: algorithm,
    issuerDer: issuerNameOf(ca),
    thisUpdate: now,
    nextUpdate,
    crlNumber: BigInt(crlNumber),
    authorityKeyId: Buffer.from(ca.subjectKeyId, 'hex'),
    revoked: revoked.map((c) => ({ serialHex: c.serial!, revokedAt: new Date(c.revokedAt!), reason: c.revocationReason })),
    ...(ctx.publicUrl ? { issuingDistributionPointUri: revocationUrls(ctx.publicUrl, ca.projectId, ca.id).crlUrl } : {}),
  });
  const der = assembleCrl(tbs, algorithm, await ctx.driver.sign(tbs, algorithm, key));
  try {
    // Re-signed at half its validity, well before relying parties would reject it.
    await crls.put({ id: ca.id, projectId: ca.projectId, caId: ca.id, crlNumber, thisUpdate: now.toISOString(), nextUpdate: nextUpdate.toISOString(), derBase64: der.toString('base64'), updatedAt: now.toISOString() }, new Date(now.getTime() + validity / 2).toISOString());
  } catch (e) {
    // A concurrent job published a newer CRL, which has these entries too.
    if (!(e instanceof StaleRecordError)) throw e;
  }
  const live = (c: CertificateRecord) => c.status === 'issued' && !!c.notAfter && Date.parse(c.notAfter) > now.getTime();
  for (const cert of scope === 'all' ? all.filter((c) => live(c) || c.status === 'revoked') : revoked) await presignOcsp(ca, key, cert, ctx);
}

/** A signed OCSP response for one certificate, stored for the API to serve (the API holds no key). */
export async function presignOcsp(ca: ActiveCa, key: KeyHandle, cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  if (!cert.serial || (cert.status !== 'issued' && cert.status !== 'revoked')) return;
  const serial = normaliseSerialHex(cert.serial);
  const now = ctx.now();
  const nextUpdate = new Date(now.getTime() + validityMs('OCSP_VALIDITY_SECONDS', 7));
  const status: OcspCertStatus = cert.status === 'revoked' ? { revokedAt: new Date(cert.revokedAt!), reason: cert.revocationReason } : 'good';
  const caDer = new X509Certificate(ca.certificatePem).raw;
  const algorithm = signatureAlgorithmFor(ca.keyType);
  const der = await buildBasicOcspResponse({
    responderKeyHash: Buffer.from(ca.subjectKeyId, 'hex'),
    producedAt: now,
    responses: [{ certId: certIdFor(caDer, serial, 'sha1'), status, thisUpdate: now, nextUpdate }],
    signatureAlgorithm: algorithm,
    sign: (tbs) => ctx.driver.sign(tbs, algorithm, key),
  });
  try {
    await ocspResponses.put({
      id: `${ca.id}:${serial}`,
      projectId: ca.projectId,
      caId: ca.id,
      serial,
      status: cert.status === 'revoked' ? 'revoked' : 'good',
      thisUpdate: now.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      derBase64: der.toString('base64'),
      updatedAt: now.toISOString(),
    });
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
  }
}
