import { SYSTEM_PROJECT, type RouteResult } from '../../lib/http/index.js';
import { enrollmentView } from '../../lib/enroll/index.js';
import { certificates, enrollments, StaleRecordError, type EnrollmentRecord } from '../../lib/store/index.js';
import { conflict } from '../../lib/errors/index.js';
import { audit, certificateHolder, checkCsrHash, csrSha256, decideUserCertificate, loginCa, newIssueIds, requestUserCertificate } from './common.js';

/**
 * POST /v1/user-certificates/renew — the holder of a current certificate asks for its successor
 * for a new CSR, with a JWS over that CSR's hash signed by the current key: no token, no password.
 * The successor has the current certificate's lifetime (within what the CA allows now).
 */
export async function renewUserCertificate(body: { login_ca_id: string; jws: string; csr: string }, requestId: string, baseUrl: string): Promise<RouteResult> {
  const ca = await loginCa(body.login_ca_id);
  const holder = await certificateHolder(body.jws, 'renew', ca);
  const hash = csrSha256(body.csr);
  checkCsrHash(hash, holder.verified.claims.csr_sha256);
  const user = holder.cert.keystoneUser!;
  const decision = decideUserCertificate(ca, user, body.csr, holder.cert.ttlSeconds);
  const now = new Date();
  const ids = newIssueIds();
  // One successor per certificate: a stolen key cannot fan out into many live certificates.
  try {
    await certificates.markRenewed(SYSTEM_PROJECT, holder.cert.id, ids.certificateId);
  } catch (err) {
    if (err instanceof StaleRecordError) throw conflict('CERTIFICATE_ALREADY_RENEWED', `Certificate ${holder.cert.id} was renewed already; renew its successor.`);
    throw err;
  }
  const e: EnrollmentRecord = {
    id: crypto.randomUUID(),
    projectId: SYSTEM_PROJECT,
    caId: ca.id,
    kind: 'renewal',
    status: 'issuing',
    user,
    createdBy: `certificate:${holder.verified.serial}`,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: now.toISOString(),
    failedAttempts: 0,
    ttlSeconds: decision.ttlSeconds,
    csrPem: body.csr.trim(),
    csrSha256: hash,
    renews: holder.cert.id,
    ...ids,
  };
  await enrollments.create(e);
  const { cert } = await requestUserCertificate(e, decision);
  await audit('enrollment.renewal', e, e.createdBy, requestId, 'success', `renews certificate ${holder.cert.id}`);
  return { status: 202, headers: { Location: `${baseUrl}/v1/enrollments/${e.id}` }, body: { enrollment: enrollmentView(e, cert, ca, baseUrl, now) } };
}
