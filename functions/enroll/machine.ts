import { badRequest, conflict, notFound } from '../../lib/errors/index.js';
import { checkApproval, checkAwaitingApproval, enrollmentView } from '../../lib/enroll/index.js';
import { SYSTEM_PROJECT, type RouteResult } from '../../lib/http/index.js';
import { MACHINE_OTP_DEFAULT_SECONDS, MACHINE_OTP_MAX_SECONDS } from '../../lib/requests/index.js';
import { enrollments, StaleRecordError, type EnrollmentRecord } from '../../lib/store/index.js';
import { audit, certificateHolder, createOtpEnrollment, decideUserCertificate, loginCa, newIssueIds, requestUserCertificate } from './common.js';

/**
 * A user's new machine, from a machine that already holds a certificate: the old machine asks for
 * a one-time password with a JWS signed by its certificate's key; the new machine redeems it with
 * its CSR; the enrollment waits until the old machine approves that CSR's hash with another JWS.
 */

/** POST /v1/enrollments — a one-time password for the signer's next machine. */
export async function mintForMachine(body: { login_ca_id: string; jws: string }, requestId: string, baseUrl: string): Promise<RouteResult> {
  const ca = await loginCa(body.login_ca_id);
  const holder = await certificateHolder(body.jws, 'enroll-machine', ca);
  const asked = holder.verified.claims.expires_in;
  if (asked !== undefined && (typeof asked !== 'number' || !Number.isInteger(asked) || asked < 60 || asked > MACHINE_OTP_MAX_SECONDS)) {
    throw badRequest('BODY_INVALID', `The JWS "expires_in" must be whole seconds from 60 to ${MACHINE_OTP_MAX_SECONDS}.`, { field: 'expires_in' });
  }
  const { e, password, now } = await createOtpEnrollment(
    ca,
    { kind: 'machine', user: holder.cert.keystoneUser!, createdBy: `certificate:${holder.verified.serial}`, approverSerial: holder.verified.serial },
    (asked as number | undefined) ?? MACHINE_OTP_DEFAULT_SECONDS,
  );
  await audit('enrollment.created', e, e.createdBy, requestId, 'success', `for a new machine of user ${e.user.id}, by certificate ${holder.cert.id}`);
  return {
    status: 201,
    headers: { Location: `${baseUrl}/v1/enrollments/${e.id}` },
    // Shown once: only its hash is kept.
    body: { enrollment: enrollmentView(e, undefined, ca, baseUrl, now), one_time_password: password },
  };
}

/** POST /v1/enrollments/{id}/approve — the user's machine signs the hash of the CSR it was shown. */
export async function approve(id: string, body: { jws: string }, requestId: string, baseUrl: string): Promise<RouteResult> {
  const e = await enrollments.get(SYSTEM_PROJECT, id);
  if (!e) throw notFound('ENROLLMENT_NOT_FOUND', `No enrollment ${id}.`);
  const now = new Date();
  // Checked before the JWS is verified too, so that a late approval is told so, not made to sign again.
  checkAwaitingApproval(e, now);
  const ca = await loginCa(e.caId);
  const holder = await certificateHolder(body.jws, 'enroll-approval', ca);
  try {
    checkApproval(e, holder.verified, now);
  } catch (err) {
    await audit('enrollment.approve', e, `certificate:${holder.verified.serial}`, requestId, 'refused', (err as Error).message);
    throw err;
  }
  const decision = decideUserCertificate(ca, e.user, e.csrPem!, e.ttlSeconds);
  let advanced: EnrollmentRecord;
  try {
    advanced = await enrollments.advance(SYSTEM_PROJECT, id, 'awaiting_approval', e.failedAttempts, { status: 'issuing', approvedAt: now.toISOString(), ...newIssueIds() });
  } catch (err) {
    if (err instanceof StaleRecordError) throw conflict('ENROLLMENT_NOT_AWAITING_APPROVAL', `Enrollment ${id} was approved or changed meanwhile.`);
    throw err;
  }
  const { cert } = await requestUserCertificate(advanced, decision);
  await audit('enrollment.approved', e, `certificate:${holder.verified.serial}`, requestId);
  return { status: 202, headers: { Location: `${baseUrl}/v1/enrollments/${id}` }, body: { enrollment: enrollmentView(advanced, cert, ca, baseUrl, now) } };
}
