import * as z from 'zod';
import { NOTIFIABLE_ACTION_NAMES } from '../notify/envelope.js';
import { EC_CURVES, EXT_KEY_USAGES, KEY_FAMILIES, KEY_USAGES, RSA_BITS, SUBJECT_FIELDS } from '../profiles/schema.js';
import { KEY_TYPES, REASON_NAMES, type KeyType, type ReasonCode } from '../x509/index.js';

/**
 * The answers of the API as zod schemas: the API document (lib/openapi) is made from these, the
 * views (lib/views, lib/acme/apiViews.ts) take their types from them (z.infer), and the
 * integration suite checks every real answer against the document. Objects are strict: a field a
 * view gains without the schema is a type error, and an answer carrying it fails the contract test.
 */

/** The named answer schemas: the document's components/schemas (z.toJSONSchema of the registry). */
export const ANSWERS = z.registry<{ id: string; description?: string }>();

export const timestamp = z.iso.datetime({ offset: true });
export const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
export const nullable = <T extends z.ZodType>(s: T) => s.nullable();
const keyType = z.enum(KEY_TYPES as [KeyType, ...KeyType[]]);

export const Link = z.strictObject({ rel: z.string(), href: z.string() }).register(ANSWERS, { id: 'Link', description: 'A link, as OpenStack APIs give them.' });
/** OpenStack paging: `next` when a page was full. */
export const Links = z.array(Link);

export const Subject = z
  .strictObject({ CN: z.string(), O: z.string().optional(), OU: z.string().optional(), C: z.string().optional(), ST: z.string().optional(), L: z.string().optional() })
  .register(ANSWERS, { id: 'Subject', description: 'An X.509 subject: common name, organisation, unit, country, state, locality.' });

export const NameConstraints = z
  .strictObject({
    permitted_dns: z.array(z.string()),
    excluded_dns: z.array(z.string()),
    permitted_ip: z.array(z.string()),
    excluded_ip: z.array(z.string()),
    permitted_email: z.array(z.string()),
    excluded_email: z.array(z.string()),
  })
  .register(ANSWERS, { id: 'NameConstraints' });

export const Ca = z
  .strictObject({
    id: uuid,
    name: z.string(),
    status: z.enum(['pending', 'awaiting_certificate', 'active', 'failed']),
    subject: Subject,
    key_type: keyType,
    validity_days: z.int(),
    serial: nullable(z.string()),
    not_before: nullable(timestamp),
    not_after: nullable(timestamp),
    certificate: nullable(z.string()).describe('PEM, once active'),
    parent_ca_id: nullable(uuid),
    external: z.boolean(),
    path_len: nullable(z.int()),
    name_constraints: nullable(NameConstraints),
    failure_reason: nullable(z.string()),
    job_id: uuid,
    created_at: timestamp,
    updated_at: timestamp,
    links: Links,
  })
  .register(ANSWERS, { id: 'Ca', description: 'A certificate authority of the project.' });

export const Job = z
  .strictObject({
    id: uuid,
    kind: z.enum(['ca.create', 'ca.install', 'certificate.issue', 'container.register', 'crl.publish', 'ca.rotate']),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    reason: nullable(z.string()).describe('Why it failed: "CODE: message" (the codes are listed at GET /v1/jobs/{id}).'),
    attempts: z.int(),
    created_at: timestamp,
    updated_at: timestamp,
    links: Links.describe('`self`, and `result` (the CA, certificate or container) when it has one'),
  })
  .register(ANSWERS, { id: 'Job', description: 'Work the worker does for a request; follow it until succeeded or failed.' });

export const Certificate = z
  .strictObject({
    id: uuid,
    ca_id: uuid,
    status: z.enum(['pending', 'issued', 'failed', 'revoked']),
    subject: nullable(z.string()),
    sans: z.array(z.string()).describe('"DNS:x", "IP:x", "email:x"'),
    ttl_seconds: z.int(),
    serial: nullable(z.string()),
    not_before: nullable(timestamp),
    not_after: nullable(timestamp),
    certificate: nullable(z.string()).describe('PEM, once issued'),
    chain: nullable(z.string()).describe('the certificate of the CA key that signed it (an earlier one after a rotation) and its issuers, PEM'),
    cross_chain: nullable(z.string()).describe('after a rotation, for a certificate the new key signed: the cross certificate and the old root, PEM (GET only)'),
    failure_reason: nullable(z.string()),
    revoked_at: nullable(timestamp),
    revocation_reason: nullable(z.enum(REASON_NAMES as [ReasonCode, ...ReasonCode[]])),
    key_location: z.enum(['barbican', 'client']).describe('`barbican`: a server-side key, delivered in `container_ref`'),
    container_ref: nullable(z.string()),
    renewal: nullable(z.strictObject({ percent: z.int().optional(), days: z.int().optional() })),
    renew_at: nullable(timestamp),
    renewed_from: nullable(uuid),
    renewed_by: nullable(uuid),
    reissued_from: nullable(uuid),
    job_id: uuid,
    created_at: timestamp,
    updated_at: timestamp,
    links: Links,
  })
  .register(ANSWERS, { id: 'Certificate' });

export const Container = z
  .strictObject({
    id: uuid,
    name: nullable(z.string()),
    status: z.enum(['pending', 'active', 'error']),
    container_ref: z.string(),
    subject: nullable(z.string()),
    sans: z.array(z.string()),
    serial: nullable(z.string()),
    key_type: nullable(z.string()),
    not_before: nullable(timestamp),
    not_after: nullable(timestamp),
    certificate: nullable(z.string()),
    chain: z.array(z.string()),
    failure_reason: nullable(z.string()),
    job_id: uuid,
    created_at: timestamp,
    updated_at: timestamp,
    links: Links,
  })
  .register(ANSWERS, { id: 'Container', description: 'A registered Barbican certificate container: its public parts, never the key.' });

export const ProfileAnswer = z
  .strictObject({
    name: z.string(),
    allowed_domains: z.array(z.string()),
    allow_any_name: z.boolean(),
    allow_wildcard: z.boolean(),
    allow_ip_sans: z.boolean(),
    allowed_ip_ranges: z.array(z.string()).optional(),
    allow_email_sans: z.boolean(),
    key_types: z.array(z.enum(KEY_FAMILIES)),
    min_rsa_bits: z.literal(RSA_BITS),
    allowed_ec_curves: z.array(z.enum(EC_CURVES)),
    max_ttl: z.int(),
    default_ttl: z.int(),
    key_usages: z.array(z.enum(KEY_USAGES)).optional(),
    ext_key_usages: z.array(z.enum(EXT_KEY_USAGES)),
    copy_subject_fields: z.array(z.enum(SUBJECT_FIELDS)),
    max_backdate: z.int(),
    backdate: z.int(),
    cn_must_be_object_id: z.boolean(),
    require_san: z.boolean(),
  })
  .register(ANSWERS, { id: 'Profile', description: 'An issuance profile of a CA, with every default filled in.' });

export const Webhook = z
  .strictObject({ url: z.string(), events: nullable(z.array(z.enum(NOTIFIABLE_ACTION_NAMES))), created_at: timestamp, updated_at: timestamp })
  .register(ANSWERS, { id: 'Webhook' });

export const Event = z
  .strictObject({
    id: z.string(),
    time: timestamp,
    action: z.string(),
    outcome: z.enum(['success', 'denied', 'failure', 'refused']),
    user_id: nullable(z.string()),
    request_id: nullable(z.string()),
    object: nullable(z.strictObject({ type: z.string(), id: z.string() })),
    reason: nullable(z.string()),
    detail: nullable(z.record(z.string(), z.unknown())),
  })
  .register(ANSWERS, { id: 'Event', description: 'An audit event; never a secret.' });

export const EabKey = z
  .strictObject({
    kid: z.string(),
    ca_id: uuid,
    status: z.enum(['unused', 'bound', 'expired']),
    expires_at: timestamp,
    account_id: nullable(z.string()),
    wildcard_allowed: z.boolean(),
    ttl_beyond_max: z.boolean(),
    created_by: z.string(),
    created_at: timestamp,
  })
  .register(ANSWERS, { id: 'EabKey', description: 'An ACME External Account Binding key (never its HMAC key).' });

export const NewEabKey = EabKey.extend({ hmac_key: z.string().describe('shown in this answer only'), directory_url: z.string() }).register(ANSWERS, { id: 'NewEabKey' });

export const AcmeAccount = z
  .strictObject({
    id: z.string(),
    ca_id: uuid,
    status: z.enum(['valid', 'deactivated', 'revoked']),
    contact: z.array(z.string()),
    jwk_thumbprint: z.string(),
    eab_kid: nullable(z.string()),
    wildcard_allowed: z.boolean(),
    ttl_beyond_max: z.boolean(),
    created_by: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .register(ANSWERS, { id: 'AcmeAccount' });

const AcmeIdentifier = z.strictObject({ type: z.enum(['dns', 'ip']), value: z.string() });
const AcmeError = z.strictObject({ type: z.string(), detail: z.string() });

export const AcmeAuthorization = z
  .strictObject({
    id: z.string(),
    identifier: AcmeIdentifier,
    wildcard: z.boolean(),
    status: z.enum(['pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked']),
    expires: timestamp,
    validated_by: nullable(z.enum(['http-01', 'dns-01', 'tls-alpn-01'])),
    error: nullable(AcmeError),
  })
  .register(ANSWERS, { id: 'AcmeAuthorization' });

export const AcmeOrderSummary = z
  .strictObject({
    id: z.string(),
    ca_id: uuid,
    account_id: z.string(),
    status: z.enum(['pending', 'ready', 'processing', 'valid', 'invalid']),
    identifiers: z.array(AcmeIdentifier),
    profile: z.string(),
    expires: timestamp,
    certificate_id: nullable(uuid),
    error: nullable(AcmeError),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .register(ANSWERS, { id: 'AcmeOrderSummary', description: 'An ACME order as the list shows it.' });

export const AcmeOrder = AcmeOrderSummary.extend({ authorizations: z.array(AcmeAuthorization) }).register(ANSWERS, { id: 'AcmeOrder', description: 'An ACME order with its authorizations.' });

export const VersionDocument = z
  .strictObject({
    versions: z.strictObject({
      values: z.array(
        z.strictObject({
          id: z.string(),
          status: z.enum(['CURRENT', 'SUPPORTED', 'DEPRECATED']),
          updated: timestamp,
          'media-types': z.array(z.strictObject({ base: z.string(), type: z.string() })),
          links: Links,
        }),
      ),
    }),
  })
  .register(ANSWERS, { id: 'VersionDocument', description: 'The OpenStack version document.' });

export const Policies = z
  .strictObject({ policies: z.record(z.string(), z.string()).describe('rule name → oslo.policy text'), source: z.string() })
  .register(ANSWERS, { id: 'Policies' });

export const Chain = z.strictObject({ chain: z.array(z.string()).describe('PEM, leaf-most first'), pem: z.string().describe('the same, one bundle') }).register(ANSWERS, { id: 'Chain' });

export const CaCsr = z.strictObject({ csr: z.string().describe('PEM'), subject: Subject, status: Ca.shape.status }).register(ANSWERS, { id: 'CaCsr' });

export const Reissued = z
  .strictObject({
    reissued: z.array(z.strictObject({ certificate_id: uuid, new_certificate_id: uuid, job: Job })),
    next: z.string().optional().describe('the next page of the CA’s certificates, when there may be more'),
  })
  .register(ANSWERS, { id: 'Reissued' });

export const AcmeSettings = z.strictObject({ acme: z.strictObject({ external_account_required: z.boolean(), directory_url: z.string() }) }).register(ANSWERS, { id: 'AcmeSettings' });

/** The one error shape of the API (lib/http/response.ts errorResult). */
export const ErrorAnswer = z
  .strictObject({
    error: z.strictObject({
      code: z.string().describe('stable; branch on it'),
      status: z.int(),
      message: z.string().describe('what to fix; for people, not programs'),
      details: z.record(z.string(), z.unknown()).optional().describe('e.g. `field`, or `rule` for a profile refusal'),
      request_id: z.string(),
    }),
  })
  .register(ANSWERS, { id: 'Error', description: 'Every error of the API (but the ACME server’s, which are RFC 7807 problems).' });

/** An ACME error (RFC 8555 section 6.7, RFC 7807). */
export const AcmeProblem = z
  .looseObject({
    type: z.string(),
    detail: z.string().optional(),
    status: z.int().optional(),
    subproblems: z.array(z.looseObject({ type: z.string(), detail: z.string().optional() })).optional(),
  })
  .register(ANSWERS, { id: 'AcmeProblem', description: 'An RFC 7807 problem document with an `urn:ietf:params:acme:error:*` type.' });

// Bodies of single answers, wrapped as the handlers wrap them.
export const wrapped = {
  ca: z.strictObject({ ca: Ca }),
  cas: z.strictObject({ cas: z.array(Ca), cas_links: Links }),
  caAndJob: z.strictObject({ ca: Ca, job: Job }),
  job: z.strictObject({ job: Job }),
  certificate: z.strictObject({ certificate: Certificate }),
  certificateAndJob: z.strictObject({ certificate: Certificate, job: Job }),
  certificates: z.strictObject({ certificates: z.array(Certificate), certificates_links: Links }),
  container: z.strictObject({ container: Container }),
  containerAndJob: z.strictObject({ container: Container, job: Job }),
  containers: z.strictObject({ containers: z.array(Container), containers_links: Links }),
  profile: z.strictObject({ profile: ProfileAnswer }),
  profiles: z.strictObject({ profiles: z.array(ProfileAnswer) }),
  webhook: z.strictObject({ webhook: Webhook }),
  webhookWithSecret: z.strictObject({ webhook: Webhook, secret: z.string().describe('the signing secret, shown in this answer only') }),
  events: z.strictObject({ events: z.array(Event), events_links: Links }),
  eabKey: z.strictObject({ eab_key: NewEabKey }),
  eabKeys: z.strictObject({ eab_keys: z.array(EabKey), eab_keys_links: Links }),
  account: z.strictObject({ account: AcmeAccount }),
  accounts: z.strictObject({ accounts: z.array(AcmeAccount), accounts_links: Links }),
  order: z.strictObject({ order: AcmeOrder }),
  orders: z.strictObject({ orders: z.array(AcmeOrderSummary), orders_links: Links }),
};

const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
for (const [name, schema] of Object.entries(wrapped) as Array<[string, z.ZodType]>) ANSWERS.add(schema, { id: `${pascal(name)}Answer` });

export type CaAnswer = z.infer<typeof Ca>;
export type JobAnswer = z.infer<typeof Job>;
export type CertificateAnswer = z.infer<typeof Certificate>;
export type ContainerAnswer = z.infer<typeof Container>;
export type ProfileAnswer = z.infer<typeof ProfileAnswer>;
export type EabKeyAnswer = z.infer<typeof EabKey>;
export type AcmeAccountAnswer = z.infer<typeof AcmeAccount>;
export type AcmeOrderSummaryAnswer = z.infer<typeof AcmeOrderSummary>;
export type AcmeOrderAnswer = z.infer<typeof AcmeOrder>;
