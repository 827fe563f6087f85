import { enrollmentDenied as denied, enrollmentView, failedAttemptFields, redemptionRefusal } from '../../lib/enroll/index.js';
import { SYSTEM_PROJECT, type RouteResult } from '../../lib/http/index.js';
import { enrollments, StaleRecordError, type EnrollmentRecord } from '../../lib/store/index.js';
import { audit, csrSha256, decideUserCertificate, loginCa, newIssueIds, requestUserCertificate } from './common.js';

/** A machine enrollment, once redeemed, waits this long for its approval. */
export const APPROVAL_WINDOW_SECONDS = 15 * 60;

/** Counts a wrong password; the fifth locks the enrollment and drops its hash. Concurrent guesses each count. */
async function countFailure(e: EnrollmentRecord): Promise<void> {
  let current: EnrollmentRecord | undefined = e;
  for (let i = 0; i < 10 && current && current.status === 'pending'; i++) {
    try {
      await enrollments.advance(SYSTEM_PROJECT, e.id, 'pending', current.failedAttempts, failedAttemptFields(current));
      return;
    } catch (err) {
      if (!(err instanceof StaleRecordError)) throw err;
      current = await enrollments.get(SYSTEM_PROJECT, e.id);
    }
  }
}

/**
 * POST /v1/enrollments/{id}/redeem — no token: the one-time password and a CSR (its signature is
 * the proof of possession). The password works once: the move out of `pending` is a conditional
 * write that also requires the failed attempts it saw, so of two redemptions only one wins.
 */
export async function redeem(id: string, body: { one_time_password: string; csr: string }, requestId: string, baseUrl: string): Promise<RouteResult> {
  const e = await enrollments.get(SYSTEM_PROJECT, id);
  const now = new Date();
  const refusal = redemptionRefusal(e, body.one_time_password, now);
  if (refusal) {
    if (refusal === 'wrong') await countFailure(e!);
    if (e) await audit('enrollment.redeem', e, 'anonymous', requestId, 'refused', `${refusal} one-time password`);
    throw denied();
  }
  if (!e) throw denied();
  const ca = await loginCa(e.caId);
  // Decided before the password is used up: a CSR the RA refuses is a 400 and the password still works.
  const decision = decideUserCertificate(ca, e.user, body.csr, e.ttlSeconds);
  const redeemed = { otpSha256: undefined, csrPem: body.csr.trim(), csrSha256: csrSha256(body.csr), redeemedAt: now.toISOString() };
  let advanced: EnrollmentRecord;
  try {
    advanced =
      e.kind === 'machine'
        ? await enrollments.advance(SYSTEM_PROJECT, id, 'pending', e.failedAttempts, { ...redeemed, status: 'awaiting_approval', expiresAt: new Date(now.getTime() + APPROVAL_WINDOW_SECONDS * 1000).toISOString() })
        : await enrollments.advance(SYSTEM_PROJECT, id, 'pending', e.failedAttempts, { ...redeemed, status: 'issuing', ...newIssueIds() });
  } catch (err) {
    if (err instanceof StaleRecordError) throw denied();
    throw err;
  }
  await audit('enrollment.redeemed', e, 'anonymous', requestId, 'success', `CSR sha256 ${advanced.csrSha256}`);
  const headers = { Location: `${baseUrl}/v1/enrollments/${id}` };
  if (advanced.status === 'awaiting_approval') return { status: 202, headers, body: { enrollment: enrollmentView(advanced, undefined, ca, baseUrl, now) } };
  const { cert } = await requestUserCertificate(advanced, decision);
  return { status: 202, headers, body: { enrollment: enrollmentView(advanced, cert, ca, baseUrl, now) } };
}
