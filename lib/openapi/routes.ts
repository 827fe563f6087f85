import type { z } from 'zod';
import { AcmeSettings, CaCsr, Chain, Policies, Reissued, VersionDocument, wrapped } from './answers.js';

/**
 * The route table of the API document: what the handlers cannot say about themselves. Each key is
 * a route of serverless.yml ("METHOD path"); the generator (document.ts) adds what the handler
 * declares (`handler.route`: body schema, path and query parameter kinds) and the errors that
 * follow from it (authentication, policy, parameters, body), and refuses a table that names a
 * route serverless.yml does not have, or misses one it has.
 */

/** An answer: a zod schema (JSON), other media types, or nothing (204). */
export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** Non-JSON bodies: media type → `binary` or `text`. */
  media?: Record<string, 'binary' | 'text'>;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  id: string;
  summary: string;
  description?: string;
  tag: string;
  /** The policy rules it enforces (the first is the route's own; others guard parts of the request). */
  rules?: string[];
  answers: Record<number, Answer>;
  /** Error codes by status beyond those the generator derives. */
  errors?: Record<number, string[]>;
  /** limit/marker paging (answers QUERY_INVALID for a bad limit or marker). */
  paged?: boolean | { marker: string };
  /** Query parameters the handler reads itself (not declared as id kinds in handler.route). */
  query?: Record<string, { description: string; enum?: string[]; pattern?: string }>;
  /** Queues a worker job: 503 QUEUE_UNAVAILABLE when the queue cannot take it. */
  queues?: boolean;
  /** Codes that appear in the `reason` of the jobs it starts, or that it answers in another form (an OCSP `malformedRequest`): `x-reason-codes`. */
  reasonCodes?: string[];
  /** The request body's media type when it is not JSON (OCSP). */
  rawBody?: { media: string; description: string };
  /** An authenticated route that takes a token of any scope (systemRoute: the cloud operator's objects): no PROJECT_SCOPE_REQUIRED. */
  anyScope?: boolean;
}

const json = (schema: z.ZodType, description: string, headers?: Record<string, string>): Answer => ({ description, schema, ...(headers ? { headers } : {}) });
const LOCATION = { Location: 'the job to follow: /v1/jobs/{id}' };
const accepted = (schema: z.ZodType, what: string) => ({ 202: json(schema, `Accepted: ${what}; follow the job.`, LOCATION) });

/** Codes of the issuance decision (lib/ra, lib/profiles, lib/x509): a request outside the CA's profile or constraints. */
const ISSUANCE_400 = [
  'CSR_MALFORMED',
  'CSR_SIGNATURE_INVALID',
  'CSR_KEY_UNSUPPORTED',
  'CSR_ALGORITHM_UNSUPPORTED',
  'SUBJECT_INVALID',
  'SAN_INVALID',
  'SAN_REQUIRED',
  'NAME_INVALID',
  'NAME_CONSTRAINT_VIOLATION',
  'PROFILE_UNKNOWN',
  'PROFILE_SAN_REQUIRED',
  'PROFILE_KEY_NOT_ALLOWED',
  'PROFILE_WILDCARD_NOT_ALLOWED',
  'PROFILE_NAME_NOT_ALLOWED',
  'PROFILE_IP_NOT_ALLOWED',
  'PROFILE_EMAIL_NOT_ALLOWED',
  'PROFILE_CN_MISMATCH',
  'PROFILE_TTL_INVALID',
  'PROFILE_TTL_TOO_LONG',
  'PROFILE_NOT_BEFORE_INVALID',
  'PROFILE_BACKDATE_TOO_FAR',
];

/** The RA's refusals of a Keystone user certificate's CSR (lib/ra/keystoneUser.ts): the key and lifetime; the names are the RA's own. */
const USER_CERTIFICATE_400 = ['CSR_MALFORMED', 'CSR_SIGNATURE_INVALID', 'CSR_KEY_UNSUPPORTED', 'CSR_ALGORITHM_UNSUPPORTED', 'SAN_INVALID', 'PROFILE_KEY_NOT_ALLOWED', 'PROFILE_TTL_INVALID', 'PROFILE_TTL_TOO_LONG'];

/** Refusals of a request signed with a user certificate's key (lib/enroll/certificateJws.ts, functions/enroll/common.ts). */
const JWS_400 = ['JWS_MALFORMED'];
const JWS_401 = ['JWS_ALGORITHM_REFUSED', 'JWS_CLAIMS_INVALID', 'JWS_CERTIFICATE_UNTRUSTED', 'JWS_CERTIFICATE_NOT_VALID', 'JWS_CERTIFICATE_NOT_CLIENT_AUTH', 'JWS_SIGNATURE_INVALID', 'JWS_EXPIRED', 'JWS_CERTIFICATE_REVOKED', 'JWS_REPLAYED'];

/** How every certificate-signed request is made: said once, on each route that takes one. */
const jwsFormat = (typ: string, purpose: string, extra: string) =>
  `No token: \`jws\` is a compact JWS signed with the key of a current user certificate of the login CA. Header: \`alg\` (ES256, ES384, RS256, PS256 or EdDSA, as the key is), \`typ\` \`${typ}\`, \`x5c\` (the user certificate, base64 DER, first). Claims: \`aud\` \`openstack-ca:${purpose}\`, \`iat\`, \`exp\` (at most \`iat\` + 300 s), \`jti\` (8 to 128 characters, new for every request: a JWS is used once)${extra}. The certificate must be issued by this login CA to that user, for clientAuth, valid now and not revoked.`;

/** What a failed job's `reason` may start with: the worker's own refusals, and the request's checked again. */
export const JOB_REASON_CODES = [
  // Any job
  'JOB_REFUSED',
  'CA_NOT_ACTIVE',
  'CA_EXPIRED',
  'KEYSTORE_REFUSED',
  'KEYSTORE_UNAVAILABLE',
  'SERVICE_CREDENTIALS_INVALID',
  'SERVICE_LOGIN_FAILED',
  'IDENTITY_UNAVAILABLE',
  // CA keys and certificates
  'CA_KEY_UNSUPPORTED',
  'CA_DRIVER_MISMATCH',
  'KEY_REF_INVALID',
  'KEY_REF_MISMATCH',
  'KEY_TYPE_UNSUPPORTED',
  'CERTIFICATE_KEY_MISMATCH',
  'CHAIN_INVALID',
  'CHAIN_INCOMPLETE',
  'PATH_LEN_EXCEEDED',
  'NAME_CONSTRAINT_INVALID',
  // Issuance
  ...ISSUANCE_400,
  'POLICY_NOT_GRANTED',
  'CERTIFICATE_FAILED',
  'CFSSL_SUBJECT_UNSUPPORTED',
  'LINT_FAILED',
  'ISSUED_NOT_DECIDED',
  'STORE_RECORD_CONTRADICTS_CERTIFICATE',
  'STORE_RECORD_MISBOUND',
  'KEY_OWNER_NOT_MEMBER',
  'KEYSTONE_MEMBERSHIP_FORBIDDEN',
  'KEYSTONE_MEMBERSHIP_OUT_OF_DOMAIN',
  'MEMBERSHIP_QUERY_INVALID',
  'KEY_DELIVERY_INTERRUPTED',
  'ACME_CSR_NAMES',
  'ACME_IDENTIFIER_INVALID',
  'ACME_IDENTIFIER_UNSUPPORTED',
  'ACME_ORDER_NOT_AUTHORIZED',
  // Keystone user certificates (login CAs): the RA's own refusals, decided again
  'USER_CERTIFICATE_NOT_ALLOWED',
  'LOGIN_CA_USER_CERTIFICATES_ONLY',
  'CSR_REQUIRED',
  'SANS_NOT_ALLOWED',
  'PREDECESSOR_NOT_VALID',
  // Registered containers
  'CONTAINER_REF_INVALID',
  'SECRET_NOT_READABLE',
  'SECRET_NOT_OWNED',
  'CONTAINER_TYPE_INVALID',
  'CONTAINER_INCOMPLETE',
  'BUNDLE_KEY_MISMATCH',
  'BUNDLE_PASSPHRASE_INVALID',
  'BUNDLE_CHAIN_INVALID',
  'BUNDLE_EXPIRED',
  'BUNDLE_NOT_YET_VALID',
  'BUNDLE_INVALID',
  // The notifier's own (a delivery it refuses to build; an event with reason, never an answer)
  'NOTIFY_EVENT_INVALID',
];

export const ROUTES: Record<string, RouteDoc> = {
  'GET /': { id: 'getVersions', summary: 'The OpenStack version document', tag: 'discovery', answers: { 300: json(VersionDocument, 'Multiple choices: the versions of the API.') } },
  'GET /v1/openapi.json': {
    id: 'getOpenApi',
    summary: 'This document',
    tag: 'discovery',
    answers: { 200: { description: 'The OpenAPI 3.1 document of the API.', media: { 'application/json': 'text' } } },
  },
  'POST /v1/cas': {
    id: 'createCa',
    summary: 'Create a CA',
    description: 'A root, an intermediate of a project CA (`parent_ca_id`) or an external intermediate (`external`: a CSR now, the certificate uploaded later).',
    tag: 'cas',
    rules: ['ca:cas:create'],
    answers: accepted(wrapped.caAndJob, 'the CA is pending'),
    errors: { 400: ['SUBJECT_INVALID', 'NAME_CONSTRAINT_INVALID', 'PATH_LEN_EXCEEDED'], 404: ['CA_NOT_FOUND'], 409: ['CA_NOT_ACTIVE', 'CA_EXPIRED'] },
    queues: true,
  },
  'GET /v1/cas': { id: 'listCas', summary: 'The project’s CAs', tag: 'cas', rules: ['ca:cas:list'], paged: true, answers: { 200: json(wrapped.cas, 'A page of CAs.') } },
  'GET /v1/cas/{id}': { id: 'getCa', summary: 'A CA', tag: 'cas', rules: ['ca:cas:get'], answers: { 200: json(wrapped.ca, 'The CA; `certificate` once active.') } },
  'GET /v1/cas/{id}/csr': {
    id: 'getCaCsr',
    summary: 'An external CA’s CSR',
    tag: 'cas',
    rules: ['ca:cas:get'],
    answers: { 200: json(CaCsr, 'The CSR to take to the external CA.') },
    errors: { 409: ['CA_NOT_EXTERNAL', 'CSR_NOT_READY'] },
  },
  'POST /v1/cas/{id}/csr': {
    id: 'regenerateCaCsr',
    summary: 'A new CSR for another subject (same key)',
    tag: 'cas',
    rules: ['ca:cas:update'],
    answers: accepted(wrapped.caAndJob, 'the CA is pending until the new CSR is made'),
    errors: { 409: ['CA_NOT_AWAITING_CERTIFICATE', 'CA_BUSY'] },
    queues: true,
  },
  'PUT /v1/cas/{id}/certificate': {
    id: 'uploadCaCertificate',
    summary: 'Upload an external CA’s certificate and chain',
    description: 'Verified per RFC 5280 at once (a `400` names the broken link); the worker verifies it again and installs it.',
    tag: 'cas',
    rules: ['ca:cas:update'],
    answers: accepted(wrapped.caAndJob, 'the chain verifies; the worker installs it'),
    errors: {
      400: ['CERTIFICATE_MALFORMED', 'CHAIN_MALFORMED', 'CHAIN_INCOMPLETE', 'CHAIN_INVALID', 'CERTIFICATE_KEY_MISMATCH', 'CA_CERTIFICATE_KEY_USAGE'],
      409: ['CA_NOT_AWAITING_CERTIFICATE', 'CA_BUSY'],
    },
    queues: true,
  },
  'POST /v1/cas/{id}/reissue': {
    id: 'reissueCa',
    summary: 'Re-issue every live certificate of the CA',
    description: 'One job each: from its CSR, or with a fresh server-side key. A large CA is worked through page by page (`next`).',
    tag: 'cas',
    rules: ['ca:cas:update'],
    paged: true,
    answers: { 202: json(Reissued, 'Accepted: one job per certificate.') },
    errors: { 409: ['CA_NOT_ACTIVE'] },
    queues: true,
  },
  'POST /v1/cas/{id}/rotate': {
    id: 'rotateCa',
    summary: 'Roll the CA over to a new key',
    description: 'Same name, new key and certificate; a root’s new key is cross-signed by the old (`GET /v1/cas/{id}/chain?variant=cross`).',
    tag: 'cas',
    rules: ['ca:cas:update'],
    answers: accepted(wrapped.caAndJob, 'the rotation runs'),
    errors: { 409: ['CA_NOT_ACTIVE', 'CA_EXTERNAL', 'CA_ROTATING', 'CA_BUSY'] },
    queues: true,
  },
  'GET /v1/cas/{id}/chain': {
    id: 'getCaChain',
    summary: 'The CA’s certificate and its issuers’ up to the root',
    tag: 'cas',
    rules: ['ca:cas:get'],
    query: { variant: { description: '`cross`: after a rotation, the cross certificate and the old root', enum: ['current', 'cross'] } },
    answers: { 200: json(Chain, 'The chain, as a list and as one PEM bundle.') },
    errors: { 400: ['QUERY_INVALID'], 404: ['CHAIN_NOT_FOUND'] },
  },
  'GET /v1/cas/{id}/profiles': { id: 'listProfiles', summary: 'The CA’s issuance profiles', tag: 'profiles', rules: ['ca:profiles:list'], answers: { 200: json(wrapped.profiles, 'Every profile, the built-in `default` included.') } },
  'PUT /v1/cas/{id}/profiles/{name}': {
    id: 'putProfile',
    summary: 'Create or replace an issuance profile',
    tag: 'profiles',
    rules: ['ca:profiles:update'],
    answers: { 200: json(wrapped.profile, 'Replaced.'), 201: json(wrapped.profile, 'Created.') },
    errors: { 409: ['CA_BUSY'] },
  },
  'DELETE /v1/cas/{id}/profiles/{name}': {
    id: 'deleteProfile',
    summary: 'Remove a profile (`default` falls back to the built-in one)',
    tag: 'profiles',
    rules: ['ca:profiles:delete'],
    answers: { 204: { description: 'Removed.' } },
    errors: { 404: ['CA_NOT_FOUND'], 409: ['CA_BUSY'] },
  },
  'POST /v1/cas/{id}/certificates': {
    id: 'issueCertificate',
    summary: 'Request a certificate',
    description:
      'For a PEM `csr`, or without one for a **server-side key** (`key_type`, `subject`): the worker makes the key and delivers it through Barbican (`container_ref`). Checked at once against the profile and the CA’s name constraints; wildcards and a `ttl` beyond the profile’s `max_ttl` need their own rules.',
    tag: 'certificates',
    rules: ['ca:certificates:create', 'ca:certificates:create:wildcard', 'ca:certificates:create:ttl_over_max'],
    answers: accepted(wrapped.certificateAndJob, 'the certificate is pending'),
    errors: { 400: ISSUANCE_400, 403: ['USER_CERTIFICATE_NOT_ALLOWED'], 409: ['CA_NOT_ACTIVE', 'CA_EXPIRED'] },
    queues: true,
  },
  'GET /v1/certificates': {
    id: 'listCertificates',
    summary: 'The project’s certificates',
    tag: 'certificates',
    rules: ['ca:certificates:list'],
    paged: true,
    answers: { 200: json(wrapped.certificates, 'A page of certificates (no chains).') },
  },
  'GET /v1/certificates/{id}': {
    id: 'getCertificate',
    summary: 'A certificate, with its chain',
    tag: 'certificates',
    rules: ['ca:certificates:get'],
    answers: { 200: json(wrapped.certificate, 'The certificate.') },
  },
  'POST /v1/certificates/{id}/revoke': {
    id: 'revokeCertificate',
    summary: 'Revoke a certificate',
    description: 'Idempotent: again gives the same answer. The worker re-signs the CRL and the OCSP answer.',
    tag: 'certificates',
    rules: ['ca:certificates:revoke'],
    answers: { 200: json(wrapped.certificate, 'The revoked certificate.') },
    errors: { 409: ['CERTIFICATE_NOT_ISSUED'] },
    queues: true,
  },
  'GET /v1/public/{project}/cas/{id}/crl': {
    id: 'getCrl',
    summary: 'The CA’s CRL (no token)',
    tag: 'revocation',
    query: { format: { description: '`pem` for PEM instead of DER', enum: ['pem'] } },
    answers: { 200: { description: 'The CRL as the worker signed it.', media: { 'application/pkix-crl': 'binary', 'application/x-pem-file': 'text' } } },
    errors: { 404: ['CRL_NOT_FOUND'] },
  },
  'POST /v1/public/{project}/cas/{id}/ocsp': {
    id: 'postOcsp',
    summary: 'OCSP responder (RFC 6960, RFC 5019; no token)',
    description: 'Every answer is an OCSP response; a request it has no answer for gets `unauthorized`, a malformed one `malformedRequest`.',
    tag: 'revocation',
    rawBody: { media: 'application/ocsp-request', description: 'A DER OCSP request.' },
    answers: { 200: { description: 'An OCSP response.', media: { 'application/ocsp-response': 'binary' } } },
    reasonCodes: ['OCSP_REQUEST_MALFORMED'],
  },
  'GET /v1/public/{project}/cas/{id}/ocsp/{request+}': {
    id: 'getOcsp',
    summary: 'OCSP responder, GET form (RFC 5019; no token)',
    description: 'The path ends with the base64 DER request (URL-encoded; it may contain slashes).',
    tag: 'revocation',
    answers: { 200: { description: 'An OCSP response.', media: { 'application/ocsp-response': 'binary' } } },
    reasonCodes: ['OCSP_REQUEST_MALFORMED'],
  },
  'POST /v1/containers': {
    id: 'registerContainer',
    summary: 'Register a Barbican certificate container',
    description: 'The worker reads it through the ACL you granted and checks it; a failed check fails the job (its reason) and the container (`error`).',
    tag: 'containers',
    rules: ['ca:containers:create'],
    answers: accepted(wrapped.containerAndJob, 'the container is pending'),
    queues: true,
    reasonCodes: ['CONTAINER_REF_INVALID', 'SECRET_NOT_READABLE', 'SECRET_NOT_OWNED', 'CONTAINER_TYPE_INVALID', 'CONTAINER_INCOMPLETE', 'BUNDLE_KEY_MISMATCH', 'BUNDLE_PASSPHRASE_INVALID', 'BUNDLE_CHAIN_INVALID', 'BUNDLE_EXPIRED', 'BUNDLE_NOT_YET_VALID', 'BUNDLE_INVALID'],
  },
  'GET /v1/containers': { id: 'listContainers', summary: 'Registered containers', tag: 'containers', rules: ['ca:containers:list'], paged: true, answers: { 200: json(wrapped.containers, 'A page of containers.') } },
  'GET /v1/containers/{id}': { id: 'getContainer', summary: 'A registered container', tag: 'containers', rules: ['ca:containers:get'], answers: { 200: json(wrapped.container, 'The container; never the key.') } },
  'GET /v1/jobs/{id}': {
    id: 'getJob',
    summary: 'A job',
    description: 'A failed job’s `reason` starts with one of the codes in `x-reason-codes`.',
    tag: 'jobs',
    rules: ['ca:jobs:get'],
    answers: { 200: json(wrapped.job, 'The job.') },
    reasonCodes: JOB_REASON_CODES,
  },
  'PUT /v1/webhook': {
    id: 'putWebhook',
    summary: 'Set the project’s webhook',
    description: 'The signing secret is in this answer only; putting again rotates it.',
    tag: 'events',
    rules: ['ca:webhook:update'],
    answers: { 200: json(wrapped.webhookWithSecret, 'Replaced.'), 201: json(wrapped.webhookWithSecret, 'Created.') },
    errors: { 503: ['NOTIFY_UNAVAILABLE'] },
  },
  'GET /v1/webhook': { id: 'getWebhook', summary: 'The project’s webhook', tag: 'events', rules: ['ca:webhook:get'], answers: { 200: json(wrapped.webhook, 'The webhook (never its secret).') }, errors: { 404: ['WEBHOOK_NOT_FOUND'] } },
  'DELETE /v1/webhook': { id: 'deleteWebhook', summary: 'Stop webhook deliveries', tag: 'events', rules: ['ca:webhook:update'], answers: { 204: { description: 'Removed.' } }, errors: { 404: ['WEBHOOK_NOT_FOUND'] } },
  'GET /v1/system/events': {
    id: 'listSystemEvents',
    summary: 'The audit trail of login CAs and enrollments, newest first',
    description: 'The events of the `system` project (login CAs, enrollments, redemptions, approvals, renewals and revocations of user certificates), for a system-scoped admin.',
    tag: 'login-cas',
    rules: ['ca:system:events:list'],
    anyScope: true,
    paged: true,
    query: { action: { description: 'only this action, e.g. `enrollment.redeemed`', pattern: '^[a-z._]{1,64}$' } },
    answers: { 200: json(wrapped.events, 'A page of events.') },
  },
  'GET /v1/events': {
    id: 'listEvents',
    summary: 'The project’s audit trail, newest first',
    tag: 'events',
    rules: ['ca:events:list'],
    paged: true,
    query: { action: { description: 'only this action, e.g. `job.succeeded`', pattern: '^[a-z._]{1,64}$' } },
    answers: { 200: json(wrapped.events, 'A page of events.') },
  },
  'GET /v1/policies': { id: 'getPolicies', summary: 'The policy rules in force', tag: 'policy', rules: ['ca:policies:get'], answers: { 200: json(Policies, 'Defaults merged with the policy file, and where they came from.') } },
  'POST /v1/cas/{id}/acme/eab-keys': {
    id: 'createEabKey',
    summary: 'Mint an ACME External Account Binding key',
    description: 'The HMAC key is in this answer only. Its grants are the caller’s `ca:certificates:create:wildcard` and `ca:certificates:create:ttl_over_max`.',
    tag: 'acme',
    rules: ['ca:acme:eab:create'],
    answers: { 201: json(wrapped.eabKey, 'The key.') },
    errors: { 503: ['ACME_NOT_CONFIGURED'] },
  },
  'GET /v1/cas/{id}/acme/eab-keys': {
    id: 'listEabKeys',
    summary: 'The CA’s EAB keys',
    tag: 'acme',
    rules: ['ca:acme:eab:list'],
    paged: { marker: '^[A-Za-z0-9_-]{1,64}$' },
    answers: { 200: json(wrapped.eabKeys, 'A page of keys (never their HMAC keys).') },
  },
  'PUT /v1/cas/{id}/acme': { id: 'putAcmeSettings', summary: 'The CA’s ACME directory settings', tag: 'acme', rules: ['ca:acme:update'], answers: { 200: json(AcmeSettings, 'The settings in force.') } },
  'GET /v1/acme/accounts': { id: 'listAcmeAccounts', summary: 'The project’s ACME accounts', tag: 'acme', rules: ['ca:acme:accounts:list'], paged: true, answers: { 200: json(wrapped.accounts, 'A page of accounts.') } },
  'GET /v1/acme/accounts/{id}': { id: 'getAcmeAccount', summary: 'An ACME account', tag: 'acme', rules: ['ca:acme:accounts:get'], answers: { 200: json(wrapped.account, 'The account.') } },
  'GET /v1/acme/orders': { id: 'listAcmeOrders', summary: 'The project’s ACME orders', tag: 'acme', rules: ['ca:acme:orders:list'], paged: true, answers: { 200: json(wrapped.orders, 'A page of orders.') } },
  'GET /v1/acme/orders/{id}': { id: 'getAcmeOrder', summary: 'An ACME order with its authorizations', tag: 'acme', rules: ['ca:acme:orders:get'], answers: { 200: json(wrapped.order, 'The order.') } },

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
