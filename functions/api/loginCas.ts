import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { authConfigFromEnv, fetchKeystoneUser } from '../../lib/auth/index.js';
import { badRequest, conflict, forbidden, notFound } from '../../lib/errors/index.js';
import { enrollmentView, federationObjects, loginCaView, userCertificateView } from '../../lib/enroll/index.js';
import { describeRoutes, header, pageLinks, pageParams, SYSTEM_PROJECT, systemRoute } from '../../lib/http/index.js';
import { newJob, requestRevocation, submitJob } from '../../lib/jobs/index.js';
import { enforce, isAllowed } from '../../lib/policy/index.js';
// The URL only: lib/ca's index would bring the signing code into an API bundle.
import { revocationUrls } from '../../lib/ca/urls.js';
import { CreateEnrollmentBody, CreateLoginCaBody, RevokeCertificateBody } from '../../lib/requests/index.js';
import { cas, certificates, enrollments, StaleRecordError, type CaRecord, type CertificateRecord } from '../../lib/store/index.js';
import { jobView } from '../../lib/views/index.js';
import { createOtpEnrollment, loginCa } from '../enroll/common.js';
import { eventsPage } from './listEvents.js';

/**
 * The cloud operator's login CAs: CAs that Keystone trusts (through a federation mapping) to log
 * users in, so that only a system-scoped admin makes them, they live in the `system` project (no
 * tenant reaches them), and they issue only Keystone user certificates, through enrollments.
 */

/** The policy target; without a user, a value no Keystone user id can be (oslo would compare None as 'None'). */
const target = (userId?: string) => ({ user_id: userId ?? '\u0000no user' });

/** POST /v1/login-cas */
const createLoginCa = systemRoute({ body: CreateLoginCaBody }, async ({ body, credentials, baseUrl }) => {
  enforce('ca:login_cas:create', credentials, target());
  const caId = crypto.randomUUID();
  const job = newJob('ca.create', SYSTEM_PROJECT, credentials.userId, { caId });
  const ca: CaRecord = {
    id: caId,
    projectId: SYSTEM_PROJECT,
    createdBy: credentials.userId,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    name: body.name,
    // Keystone matches the issuer DN as a string: the id makes it this CA's alone.
    subject: { CN: body.name, ...(body.organization ? { O: body.organization } : {}), OU: `login CA ${caId}` },
    keyType: body.key_type,
    validityDays: body.validity_days,
    status: 'pending',
    jobId: job.id,
    kind: 'login',
    userCertificates: { defaultTtl: body.user_certificates.default_ttl, maxTtl: body.user_certificates.max_ttl },
  };
  await cas.create(ca);
  await submitJob(job, async (reason) => {
    await cas.update(SYSTEM_PROJECT, caId, { status: 'failed', failureReason: reason });
  });
  return {
    status: 202,
    audit: { action: 'login_ca.create.requested', object: { type: 'ca', id: caId } },
    // Its job is in the system project, which no project-scoped GET /v1/jobs reaches: the CA's status tells.
    headers: { Location: `${baseUrl}/v1/login-cas/${caId}` },
    body: { login_ca: loginCaView(ca, baseUrl), job: jobView(job, baseUrl) },
  };
});

/** GET /v1/login-cas */
const listLoginCas = systemRoute({}, async ({ query, credentials, baseUrl }) => {
  enforce('ca:login_cas:list', credentials, target());
  const { limit, marker } = pageParams(query);
  const page = await cas.list(SYSTEM_PROJECT, limit, marker);
  return { status: 200, body: { login_cas: page.items.filter((c) => c.kind === 'login').map((c) => loginCaView(c, baseUrl)), login_cas_links: pageLinks(`${baseUrl}/v1/login-cas`, query, limit, page.next) } };
});

/** GET /v1/login-cas/{id} */
const getLoginCa = systemRoute({ params: { id: 'loginCa' } }, async ({ params, credentials, baseUrl }) => {
  enforce('ca:login_cas:get', credentials, target());
  return { status: 200, body: { login_ca: loginCaView(await loginCa(params.id), baseUrl) } };
});

/** GET /v1/login-cas/{id}/keystone — the identity provider, mapping and protocol to create in Keystone. */
const keystoneObjects = systemRoute({ params: { id: 'loginCa' } }, async ({ params, credentials }) => {
  enforce('ca:login_cas:keystone', credentials, target());
  const ca = await loginCa(params.id);
  if (ca.status !== 'active' || !ca.certificatePem) throw conflict('CA_NOT_ACTIVE', `Login CA ${ca.id} is ${ca.status}; wait for its job to succeed.`);
  const publicUrl = process.env.PUBLIC_URL ?? '';
  return { status: 200, body: { keystone: federationObjects(ca, revocationUrls(publicUrl, SYSTEM_PROJECT, ca.id).ocspUrl) } };
});

/**
 * POST /v1/login-cas/{id}/enrollments — a one-time password for a user that Keystone confirms
 * (read with the caller's own token), shown once.
 */
const createEnrollment = systemRoute({ params: { id: 'loginCa' }, body: CreateEnrollmentBody }, async ({ params, body, credentials, baseUrl, event }) => {
  enforce('ca:enrollments:create', credentials, target(body.user_id));
  // A login certificate outlives the token that asks for it, and logs in as the whole user: outside
  // the operator's system scope, only the user's own first factor may ask (not a certificate's
  // token, an application credential, a trust or OAuth1, which act for the user within limits).
  if (!credentials.system && (credentials.delegated || !(credentials.methods ?? []).some((m) => m === 'password' || m === 'totp'))) {
    throw forbidden('ENROLLMENT_FIRST_FACTOR_REQUIRED', 'Ask for an enrollment with a token you got with your password (or TOTP); tokens from certificates, application credentials, trusts or OAuth1 may not.');
  }
  const ca = await loginCa(params.id);
  if (ca.status !== 'active') throw conflict('CA_NOT_ACTIVE', `Login CA ${ca.id} is ${ca.status}; wait for its job to succeed.`);
  const config = authConfigFromEnv();
  const user = await fetchKeystoneUser(config.authUrl, header(event, 'x-auth-token')!, body.user_id, config.timeoutMs);
  if (!user.enabled) throw conflict('USER_DISABLED', `Keystone user ${user.id} is disabled; enable it before enrolling.`);
  const max = ca.userCertificates?.maxTtl;
  if (body.ttl !== undefined && max !== undefined && body.ttl > max) throw badRequest('TTL_TOO_LONG', `Login CA ${ca.id} issues user certificates for at most ${max} s; ask for less.`, { field: 'ttl' });
  const keystoneUser = { id: user.id, name: user.name, ...(user.email ? { email: user.email } : {}), ...(user.domainId ? { domainId: user.domainId } : {}) };
  const { e, password, now } = await createOtpEnrollment(ca, { kind: 'otp', user: keystoneUser, createdBy: credentials.userId, ...(body.ttl !== undefined ? { ttlSeconds: body.ttl } : {}) }, body.expires_in);
  return {
    status: 201,
    audit: { action: 'enrollment.created', object: { type: 'enrollment', id: e.id } },
    headers: { Location: `${baseUrl}/v1/enrollments/${e.id}` },
    body: { enrollment: enrollmentView(e, undefined, ca, baseUrl, now), one_time_password: password },
  };
});

/** GET /v1/login-cas/{id}/enrollments[?user_id=] */
const listEnrollments = systemRoute({ params: { id: 'loginCa' }, query: { user_id: 'keystoneUser' } }, async ({ params, query, credentials, baseUrl }) => {
  const userId = query.user_id;
  enforce('ca:enrollments:list', credentials, target(userId));
  const ca = await loginCa(params.id);
  const { limit, marker } = pageParams(query);
  const page = await enrollments.list(SYSTEM_PROJECT, limit, marker, (e) => e.caId === ca.id && (!userId || e.user.id === userId));
  const now = new Date();
  const certs = await Promise.all(page.items.map((e) => (e.certificateId ? certificates.get(SYSTEM_PROJECT, e.certificateId) : undefined)));
  return { status: 200, body: { enrollments: page.items.map((e, i) => enrollmentView(e, certs[i], ca, baseUrl, now)), enrollments_links: pageLinks(`${baseUrl}/v1/login-cas/${ca.id}/enrollments`, query, limit, page.next) } };
});

/** Every user certificate of the CA, or of one user (their machines), in pages of the CA index. */
async function userCertificates(caId: string, userId: string | undefined, limit: number, marker?: string) {
  const page = await certificates.list(SYSTEM_PROJECT, limit, marker, caId);
  return { items: page.items.filter((c) => !userId || c.keystoneUser?.id === userId), next: page.next };
}

/** GET /v1/login-cas/{id}/certificates[?user_id=] — a user's machines. */
const listUserCertificates = systemRoute({ params: { id: 'loginCa' }, query: { user_id: 'keystoneUser' } }, async ({ params, query, credentials, baseUrl }) => {
  const userId = query.user_id;
  enforce('ca:user_certificates:list', credentials, target(userId));
  const ca = await loginCa(params.id);
  const { limit, marker } = pageParams(query);
  const page = await userCertificates(ca.id, userId, limit, marker);
  return { status: 200, body: { certificates: page.items.map(userCertificateView), certificates_links: pageLinks(`${baseUrl}/v1/login-cas/${ca.id}/certificates`, query, limit, page.next) } };
});

/** POST /v1/login-cas/{id}/certificates/{cert}/revoke */
const revokeOne = systemRoute({ params: { id: 'loginCa', cert: 'certificate' }, body: RevokeCertificateBody }, async ({ params, body, credentials }) => {
  const ca = await loginCa(params.id);
  const cert = await certificates.get(SYSTEM_PROJECT, params.cert);
  // Another user's certificate is as absent as a missing one, unless the caller may revoke it.
  if (!cert || cert.caId !== ca.id || !isAllowed('ca:user_certificates:revoke', credentials, target(cert.keystoneUser?.id))) {
    throw notFound('CERTIFICATE_NOT_FOUND', `No user certificate ${params.cert} of login CA ${ca.id} that you may revoke.`);
  }
  if (cert.status !== 'issued' && cert.status !== 'revoked') throw conflict('CERTIFICATE_NOT_ISSUED', `Certificate ${cert.id} is ${cert.status}; only an issued certificate can be revoked.`);
  const { cert: revoked } = await requestRevocation(cert, body.reason, credentials.userId);
  return { status: 200, audit: { action: 'certificate.revoked', object: { type: 'certificate', id: cert.id } }, body: { certificate: userCertificateView(revoked) } };
});

/** POST /v1/login-cas/{id}/users/{user}/revoke — every certificate of the user (all machines). */
const revokeUser = systemRoute({ params: { id: 'loginCa', user: 'keystoneUser' }, body: RevokeCertificateBody }, async ({ params, body, credentials }) => {
  enforce('ca:user_certificates:revoke', credentials, target(params.user));
  const ca = await loginCa(params.id);
  const revoked: CertificateRecord[] = [];
  let marker: string | undefined;
  do {
    const page = await userCertificates(ca.id, params.user, 200, marker);
    for (const c of page.items.filter((x) => x.status === 'issued')) revoked.push((await requestRevocation(c, body.reason, credentials.userId)).cert);
    marker = page.next;
  } while (marker);
  // And no way back: the user's open one-time passwords are locked (a renewal or approval still in
  // flight fails in the worker, whose predecessor is now revoked).
  let locked = 0;
  let enrollmentMarker: string | undefined;
  do {
    const page = await enrollments.list(SYSTEM_PROJECT, 200, enrollmentMarker, (e) => e.caId === ca.id && e.user.id === params.user && (e.status === 'pending' || e.status === 'awaiting_approval'));
    for (const e of page.items) {
      await enrollments
        .advance(SYSTEM_PROJECT, e.id, e.status, e.failedAttempts, { status: 'locked', otpSha256: undefined })
        .then(() => locked++)
        .catch((err) => {
          if (!(err instanceof StaleRecordError)) throw err;
        });
    }
    enrollmentMarker = page.next;
  } while (enrollmentMarker);
  return { status: 200, audit: { action: 'user.certificates.revoked', object: { type: 'user', id: params.user } }, body: { certificates: revoked.map(userCertificateView), locked_enrollments: locked } };
});

/** GET /v1/system/events[?action=&object_id=] — the audit trail of login CAs and enrollments (the system project's). */
const systemEvents = systemRoute({ query: { object_id: 'object' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:system:events:list', credentials, target());
  return { status: 200, body: await eventsPage(SYSTEM_PROJECT, query, `${baseUrl}/v1/system/events`) };
});

const ROUTES: Record<string, typeof getLoginCa> = {
  'POST /v1/login-cas': createLoginCa,
  'GET /v1/login-cas': listLoginCas,
  'GET /v1/login-cas/{id}': getLoginCa,
  'GET /v1/login-cas/{id}/keystone': keystoneObjects,
  'POST /v1/login-cas/{id}/enrollments': createEnrollment,
  'GET /v1/login-cas/{id}/enrollments': listEnrollments,
  'GET /v1/login-cas/{id}/certificates': listUserCertificates,
  'POST /v1/login-cas/{id}/certificates/{cert}/revoke': revokeOne,
  'POST /v1/login-cas/{id}/users/{user}/revoke': revokeUser,
  'GET /v1/system/events': systemEvents,
};

export const handler = describeRoutes((event: APIGatewayProxyEventV2, context: Context) => {
  const route = ROUTES[event.routeKey];
  if (!route) throw new Error(`loginCas serves no route ${event.routeKey}`);
  return route(event, context);
}, ROUTES);
