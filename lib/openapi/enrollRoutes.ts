import { enrollWrapped as wrapped } from './enrollAnswers.js';
import { json, type RouteDoc } from './routeDoc.js';

/** The route table's login CA and enrollment routes (functions/api/loginCas.ts, functions/enroll). */

/** The RA's refusals of a Keystone user certificate's CSR (lib/ra/keystoneUser.ts): the key and lifetime; the names are the RA's own. */
const USER_CERTIFICATE_400 = ['CSR_MALFORMED', 'CSR_SIGNATURE_INVALID', 'CSR_KEY_UNSUPPORTED', 'CSR_ALGORITHM_UNSUPPORTED', 'SAN_INVALID', 'PROFILE_KEY_NOT_ALLOWED', 'PROFILE_TTL_INVALID', 'PROFILE_TTL_TOO_LONG'];

/** Refusals of a request signed with a user certificate's key (lib/enroll/certificateJws.ts, functions/enroll/common.ts). */
const JWS_400 = ['JWS_MALFORMED'];
const JWS_401 = ['JWS_ALGORITHM_REFUSED', 'JWS_CLAIMS_INVALID', 'JWS_CERTIFICATE_UNTRUSTED', 'JWS_CERTIFICATE_NOT_VALID', 'JWS_CERTIFICATE_NOT_CLIENT_AUTH', 'JWS_SIGNATURE_INVALID', 'JWS_EXPIRED', 'JWS_CERTIFICATE_REVOKED', 'JWS_REPLAYED'];

/** How every certificate-signed request is made: said once, on each route that takes one. */
const jwsFormat = (typ: string, purpose: string, extra: string) =>
  `No token: \`jws\` is a compact JWS signed with the key of a current user certificate of the login CA. Header: \`alg\` (ES256, ES384, RS256, PS256 or EdDSA, as the key is), \`typ\` \`${typ}\`, \`x5c\` (the user certificate, base64 DER, first). Claims: \`aud\` \`openstack-ca:${purpose}\`, \`iat\`, \`exp\` (at most \`iat\` + 300 s), \`jti\` (8 to 128 characters, new for every request: a JWS is used once)${extra}. The certificate must be issued by this login CA to that user, for clientAuth, valid now and not revoked.`;

export const ENROLL_ROUTES: Record<string, RouteDoc> = {
  // Login CAs (the cloud operator's, project `system`): a token of any scope, policy decides who.
  'POST /v1/login-cas': {
    id: 'createLoginCa',
    summary: 'Create a login CA',
    description:
      'A root whose certificates log Keystone users in (through a federation mapping: `GET /v1/login-cas/{id}/keystone` once active). Its subject is `CN=<name>`, `O=<organization>` and `OU=login CA <id>`, so that no two login CAs share an issuer DN. It issues only Keystone user certificates, through enrollments, for `user_certificates.default_ttl` unless an enrollment asks for less or more (never beyond `max_ttl`). The default policy wants a system-scoped admin.',
    tag: 'login-cas',
    rules: ['ca:login_cas:create'],
    anyScope: true,
    answers: {
      202: json(wrapped.loginCaAndJob, 'Accepted: the login CA is pending; follow it (`GET /v1/login-cas/{id}`) until `active` or `failed` (with `failure_reason`).', {
        Location: 'the login CA: /v1/login-cas/{id} (its job is the operator’s project `system`’s, which GET /v1/jobs/{id} does not show)',
      }),
    },
    queues: true,
  },
  'GET /v1/login-cas': { id: 'listLoginCas', summary: 'The login CAs', tag: 'login-cas', rules: ['ca:login_cas:list'], anyScope: true, paged: true, answers: { 200: json(wrapped.loginCas, 'A page of login CAs.') } },
  'GET /v1/login-cas/{id}': { id: 'getLoginCa', summary: 'A login CA', tag: 'login-cas', rules: ['ca:login_cas:get'], anyScope: true, answers: { 200: json(wrapped.loginCa, 'The login CA; `certificate` once active.') } },
  'GET /v1/login-cas/{id}/keystone': {
    id: 'getLoginCaKeystone',
    summary: 'What to create in Keystone for the login CA',
    description:
      'The identity provider (its `remote_ids` the CA’s subject as mod_ssl writes `SSL_CLIENT_I_DN`), the mapping (the existing local user named by the certificate’s UID, for a verified client certificate only) and the `x509` protocol, with the Keystone calls to make in order and the mod_ssl lines of Keystone’s virtual host (revocation by this service’s OCSP responder).',
    tag: 'login-cas',
    rules: ['ca:login_cas:keystone'],
    anyScope: true,
    answers: { 200: json(wrapped.keystoneFederation, 'The Keystone federation objects.') },
    errors: { 409: ['CA_NOT_ACTIVE'] },
  },
  'POST /v1/login-cas/{id}/enrollments': {
    id: 'createEnrollment',
    summary: 'A one-time password for a user’s certificate',
    description:
      'For a Keystone user that Keystone shows the caller’s own token (an admin, or the user themselves), enabled. The `one_time_password` is in this answer only (only its hash is kept): give it to the user’s machine, which redeems it with its CSR (`POST /v1/enrollments/{id}/redeem`, no token) before `expires_in` (default 1 day) runs out; five wrong passwords lock the enrollment. `ttl`: the certificate’s lifetime (default the login CA’s `default_ttl`, at most its `max_ttl`).',
    tag: 'enrollment',
    rules: ['ca:enrollments:create'],
    anyScope: true,
    answers: { 201: json(wrapped.newEnrollment, 'Created; `Location` is the enrollment.', { Location: 'the enrollment: /v1/enrollments/{id}' }) },
    errors: { 400: ['TTL_TOO_LONG'], 403: ['USER_NOT_VISIBLE', 'ENROLLMENT_FIRST_FACTOR_REQUIRED'], 404: ['USER_NOT_FOUND'], 409: ['CA_NOT_ACTIVE', 'USER_DISABLED'] },
  },
  'GET /v1/login-cas/{id}/enrollments': {
    id: 'listEnrollments',
    summary: 'The login CA’s enrollments',
    description: '`user_id`: only this Keystone user’s (the policy target: a user may list their own).',
    tag: 'enrollment',
    rules: ['ca:enrollments:list'],
    anyScope: true,
    paged: true,
    answers: { 200: json(wrapped.enrollments, 'A page of enrollments (never a one-time password).') },
  },
  'GET /v1/login-cas/{id}/certificates': {
    id: 'listUserCertificates',
    summary: 'The login CA’s user certificates (a user’s machines)',
    description: '`user_id`: only this Keystone user’s certificates (the policy target: a user may list their own).',
    tag: 'enrollment',
    rules: ['ca:user_certificates:list'],
    anyScope: true,
    paged: true,
    answers: { 200: json(wrapped.userCertificates, 'A page of user certificates.') },
  },
  'POST /v1/login-cas/{id}/certificates/{cert}/revoke': {
    id: 'revokeUserCertificate',
    summary: 'Revoke one user certificate (one machine)',
    description: 'With an RFC 5280 `reason`; idempotent: again gives the same answer. Keystone refuses the certificate at the next TLS handshake (OCSP).',
    tag: 'enrollment',
    rules: ['ca:user_certificates:revoke'],
    anyScope: true,
    answers: { 200: json(wrapped.userCertificate, 'The revoked certificate.') },
    errors: { 409: ['CERTIFICATE_NOT_ISSUED'] },
    queues: true,
  },
  'POST /v1/login-cas/{id}/users/{user}/revoke': {
    id: 'revokeUserCertificates',
    summary: 'Revoke every certificate of a user (all machines)',
    description: 'With an RFC 5280 `reason`. The answer lists the certificates this call revoked; a user without any gets an empty list.',
    tag: 'enrollment',
    rules: ['ca:user_certificates:revoke'],
    anyScope: true,
    answers: { 200: json(wrapped.revokedUserCertificates, 'The certificates revoked now.') },
    queues: true,
  },

  // Enrollment without a token: a one-time password, or a JWS signed with a user certificate's key.
  'POST /v1/enrollments': {
    id: 'createMachineEnrollment',
    summary: 'A one-time password for another machine of the signer',
    description: `${jwsFormat('enroll-machine+jwt', 'enroll-machine', '; optional `expires_in`: how long the password may be redeemed, 60 to 3600 s (default 900)')}\n\nThe \`one_time_password\` is in this answer only. The new machine redeems it with its CSR; the enrollment then waits for a machine of the same user to approve that CSR’s hash (\`POST /v1/enrollments/{id}/approve\`).`,
    tag: 'enrollment',
    answers: { 201: json(wrapped.newEnrollment, 'Created; `Location` is the enrollment.', { Location: 'the enrollment: /v1/enrollments/{id}' }) },
    errors: { 400: JWS_400, 401: JWS_401, 404: ['LOGIN_CA_NOT_FOUND'] },
  },
  'GET /v1/enrollments/{id}': {
    id: 'getEnrollment',
    summary: 'An enrollment (no token)',
    description: 'What the enrolling machine follows after redeeming, until `issued` (with `certificate` and `chain`) or `failed`. No token: the id is unguessable, and the answer holds no secret.',
    tag: 'enrollment',
    answers: { 200: json(wrapped.enrollment, 'The enrollment.') },
    errors: { 404: ['ENROLLMENT_NOT_FOUND'] },
  },
  'POST /v1/enrollments/{id}/redeem': {
    id: 'redeemEnrollment',
    summary: 'Redeem a one-time password with a CSR (no token)',
    description:
      'No token: the `one_time_password` and a PEM `csr` (its signature proves the key) are the request. The password works once; a wrong, used, expired or locked one (and an unknown enrollment) is the same `401 ENROLLMENT_DENIED`, and the fifth wrong one locks the enrollment. A CSR the RA refuses is a `400` and leaves the password usable. The certificate’s subject is the RA’s (`CN=<user name>`, `UID=<user id>`, the user’s e-mail as the only name), never the CSR’s. An `otp` enrollment moves to `issuing`; a `machine` one to `awaiting_approval` (15 minutes for the approval). Follow the enrollment (`Location`).',
    tag: 'enrollment',
    answers: { 202: json(wrapped.enrollment, 'Accepted: the certificate is being issued, or the enrollment awaits its approval; follow the enrollment.', { Location: 'the enrollment: /v1/enrollments/{id}' }) },
    errors: { 400: USER_CERTIFICATE_400, 401: ['ENROLLMENT_DENIED'], 404: ['ENROLLMENT_NOT_FOUND', 'LOGIN_CA_NOT_FOUND'], 409: ['CA_NOT_ACTIVE', 'CA_EXPIRED'] },
    queues: true,
  },
  'POST /v1/enrollments/{id}/approve': {
    id: 'approveEnrollment',
    summary: 'Approve a new machine’s CSR, from a machine of the same user',
    description: `${jwsFormat('enroll-approval+jwt', 'enroll-approval', '; `enrollment_id` (this enrollment) and `csr_sha256`: the base64url SHA-256 of the pending CSR’s DER (the enrollment’s `csr_sha256`), as the new machine shows it')}\n\nThe signer’s certificate must be the same user’s (\`403 ENROLLMENT_WRONG_USER\`), and the very one that asked for the one-time password (\`403 ENROLLMENT_WRONG_APPROVER\`), and the hash the pending CSR’s (\`403 CSR_MISMATCH\`). The enrollment moves to \`issuing\`.`,
    tag: 'enrollment',
    answers: { 202: json(wrapped.enrollment, 'Accepted: the certificate is being issued; follow the enrollment.', { Location: 'the enrollment: /v1/enrollments/{id}' }) },
    errors: {
      400: [...JWS_400, ...USER_CERTIFICATE_400],
      401: JWS_401,
      403: ['ENROLLMENT_WRONG_USER', 'ENROLLMENT_WRONG_APPROVER', 'CSR_MISMATCH'],
      404: ['ENROLLMENT_NOT_FOUND', 'LOGIN_CA_NOT_FOUND'],
      409: ['ENROLLMENT_NOT_AWAITING_APPROVAL', 'CA_NOT_ACTIVE', 'CA_EXPIRED'],
    },
    queues: true,
  },
  'POST /v1/user-certificates/renew': {
    id: 'renewUserCertificate',
    summary: 'Renew a user certificate for a new CSR',
    description: `${jwsFormat('renew+jwt', 'renew', '; `csr_sha256`: the base64url SHA-256 of the new `csr`’s DER')}\n\nThe successor has the current certificate’s lifetime (within what the login CA allows now); the current one stays valid until it expires or is revoked. A \`renewal\` enrollment is made: follow it (\`Location\`).`,
    tag: 'enrollment',
    answers: { 202: json(wrapped.enrollment, 'Accepted: the successor is being issued; follow the enrollment.', { Location: 'the enrollment: /v1/enrollments/{id}' }) },
    errors: { 400: [...JWS_400, ...USER_CERTIFICATE_400], 401: JWS_401, 403: ['CSR_MISMATCH'], 404: ['LOGIN_CA_NOT_FOUND'], 409: ['CA_NOT_ACTIVE', 'CA_EXPIRED', 'CERTIFICATE_ALREADY_RENEWED'] },
    queues: true,
  },
};
