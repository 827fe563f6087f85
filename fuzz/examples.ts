import type { Json } from './mutate.js';

/**
 * Valid request bodies: written out for the main routes (each as a client would send it), derived
 * from the API document's schema for any other, so a new route is fuzzed from a sensible start.
 */
export interface BodyFixtures {
  /** A valid CSR (PEM) for names the fuzz CA's default profile allows. */
  csrPem: string;
  /** A CA certificate and chain (PEM), for the upload route. */
  caCertPem: string;
  /** The Barbican URL containers live under. */
  barbicanUrl: string;
  loginCaId: string;
  /** A user the body fuzz may enroll (never the one whose enrollments the CSR fuzz redeems). */
  userId: string;
  /** A compact JWS-looking string (not a valid one). */
  jws: string;
}

type Schema = Record<string, unknown>;

const EXAMPLES: Record<string, (fx: BodyFixtures) => Json> = {
  'POST /v1/cas': () => ({ name: 'fuzz', subject: { CN: 'Fuzz CA', O: 'Fuzz', C: 'DE' }, key_type: 'EC-P256', validity_days: 30, path_len: 0, name_constraints: { permitted_dns: ['fuzz.example.org'] } }),
  'PUT /v1/cas/{id}/acme': () => ({ external_account_required: true }),
  'POST /v1/cas/{id}/acme/eab-keys': () => ({ expires_in: 3600 }),
  'PUT /v1/cas/{id}/certificate': (fx) => ({ certificate: fx.caCertPem, chain: fx.caCertPem }),
  'POST /v1/cas/{id}/certificates': (fx) => ({ csr: fx.csrPem, sans: ['DNS:a.fuzz.example.org', 'IP:192.0.2.1'], profile: 'default', ttl: '24h', object_id: 'fuzz', renewal: { percent: 30 } }),
  'POST /v1/cas/{id}/csr': () => ({ subject: { CN: 'Fuzz Intermediate', O: 'Fuzz' } }),
  'PUT /v1/cas/{id}/profiles/{name}': () => ({ allowed_domains: ['fuzz.example.org'], allow_wildcard: false, key_types: ['EC', 'RSA'], max_ttl: 86400, default_ttl: 3600, ext_key_usages: ['server_auth'], copy_subject_fields: ['CN', 'O'], require_san: true }),
  'POST /v1/certificates/{id}/revoke': () => ({ reason: 'superseded' }),
  'POST /v1/containers': (fx) => ({ name: 'fuzz', container_ref: `${fx.barbicanUrl}/v1/containers/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}` }),
  'POST /v1/enrollments': (fx) => ({ login_ca_id: fx.loginCaId, jws: fx.jws }),
  'POST /v1/enrollments/{id}/approve': (fx) => ({ jws: fx.jws }),
  'POST /v1/enrollments/{id}/redeem': (fx) => ({ one_time_password: 'not-the-password', csr: fx.csrPem }),
  'POST /v1/login-cas': () => ({ name: 'Fuzz Login CA', organization: 'Fuzz', key_type: 'EC-P256', validity_days: 30, user_certificates: { default_ttl: 3600, max_ttl: 7200 } }),
  'POST /v1/login-cas/{id}/certificates/{cert}/revoke': () => ({ reason: 'keyCompromise' }),
  'POST /v1/login-cas/{id}/enrollments': (fx) => ({ user_id: fx.userId, ttl: 3600, expires_in: 600 }),
  'POST /v1/login-cas/{id}/users/{user}/revoke': () => ({ reason: 'privilegeWithdrawn' }),
  'POST /v1/user-certificates/renew': (fx) => ({ login_ca_id: fx.loginCaId, jws: fx.jws, csr: fx.csrPem }),
  'PUT /v1/webhook': () => ({ url: 'https://hooks.fuzz.example.org/ca', events: ['certificate.issued', 'certificate.revoked'] }),
};

/** The written-out example of a route, if it has one. */
export const writtenExample = (route: string, fx: BodyFixtures): Json | undefined => EXAMPLES[route]?.(fx);

const UUID = '3f2a7c4e-9b1d-4e8a-a6f0-1c2d3e4f5a6b';

/** A value the schema accepts, from its defaults, enums, bounds and the shapes of its formats. */
export function exampleOf(schema: Schema, resolve: (s: Schema) => Schema): Json {
  const s = resolve(schema);
  if ('default' in s) return s.default as Json;
  if (Array.isArray(s.enum)) return s.enum[0] as Json;
  if ('const' in s) return s.const as Json;
  const options = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (options?.length) return exampleOf(options[0], resolve);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      // The required fields only: an optional one may carry a pattern no generic value meets.
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required ?? []) as string[]);
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(props)) if (required.has(k)) out[k] = exampleOf(v, resolve);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, Number(s.minItems ?? 1)) }, () => exampleOf((s.items ?? {}) as Schema, resolve));
    case 'integer':
    case 'number':
      return Number(s.minimum ?? 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string':
      if (s.format === 'uuid') return UUID;
      if (s.format === 'uri') return 'https://fuzz.example.org/x';
      return 'x'.repeat(Math.max(1, Number(s.minLength ?? 1)));
    default:
      return {};
  }
}

/** Every property name a schema mentions (any depth): fields a mutation may add where they do not belong. */
export function schemaKeys(schema: Schema, resolve: (s: Schema) => Schema, seen = new Set<Schema>()): string[] {
  const s = resolve(schema);
  if (seen.has(s)) return [];
  seen.add(s);
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const nested = [...Object.values(props), ...(s.items ? [s.items as Schema] : []), ...(((s.anyOf ?? s.oneOf) as Schema[] | undefined) ?? [])];
  return [...new Set([...Object.keys(props), ...nested.flatMap((n) => schemaKeys(n, resolve, seen))])];
}
