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
    errors: { 400: ISSUANCE_400, 409: ['CA_NOT_ACTIVE', 'CA_EXPIRED'] },
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
};
