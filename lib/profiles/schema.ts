import * as z from 'zod';
import { isAppError } from '../errors/index.js';
import { normaliseDomainRule } from './names.js';
import { normaliseIpRange } from './ip.js';

/**
 * A named issuance profile, as a user sends it over the API (snake_case JSON), in the spirit of
 * Vault PKI roles and CFSSL signing profiles: which names, keys, lifetimes and usages a
 * certificate issued under it may have. Parsing canonicalises: `allowed_domains` come out lower
 * case with IDNs as A-labels, `allowed_ip_ranges` as "address/prefix".
 */

export const KEY_FAMILIES = ['RSA', 'EC', 'Ed25519'] as const;
export const RSA_BITS = [2048, 3072, 4096] as const;
export const EC_CURVES = ['P-256', 'P-384'] as const;
export const KEY_USAGES = ['digitalSignature', 'keyEncipherment', 'keyAgreement'] as const;
export const EXT_KEY_USAGES = ['server_auth', 'client_auth', 'code_signing', 'email_protection'] as const;
export const SUBJECT_FIELDS = ['CN', 'O', 'OU', 'C', 'ST', 'L'] as const;

export type KeyFamily = (typeof KEY_FAMILIES)[number];
export type EcCurve = (typeof EC_CURVES)[number];
export type KeyUsage = (typeof KEY_USAGES)[number];
export type ExtKeyUsage = (typeof EXT_KEY_USAGES)[number];
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

const DAY = 86400;
export const PROFILE_DEFAULT_TTL_SECONDS = 30 * DAY;
/** 398 days: the CA/Browser Forum ceiling for TLS server certificates. */
export const PROFILE_DEFAULT_MAX_TTL_SECONDS = 398 * DAY;
/** The same bound as a CA's validity_days. */
export const PROFILE_TTL_LIMIT_SECONDS = 36500 * DAY;
export const PROFILE_MAX_BACKDATE_LIMIT_SECONDS = DAY;

const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A list drawn from `values`, each at most once; `min` 1 unless an empty list means something. */
const subsetOf = <T extends readonly [string, ...string[]]>(values: T, min = 1) =>
  z
    .array(z.enum(values))
    .min(min, `give at least one of ${values.join(', ')}`)
    .refine((a) => new Set(a).size === a.length, 'lists a value twice');

/** Runs a canonicalising function inside zod, turning its AppError into an issue with its message. */
const canonical = (f: (s: string) => string) =>
  z
    .string()
    .min(1)
    .max(260)
    .transform((v, ctx) => {
      try {
        return f(v);
      } catch (e) {
        if (!isAppError(e)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message.replace(/\.$/, '') });
        return z.NEVER;
      }
    });

const seconds = (max: number) => z.number().int('must be whole seconds').min(1).max(max);

const uniq = (a: string[]) => [...new Set(a)];

export const Profile = z
  .object({
    name: z.string().regex(PROFILE_NAME, 'must be 1 to 63 of a-z, 0-9, "-" and "_", starting with a letter or digit'),
    /** "example.org" exact, ".example.org" strictly under, "*.example.org" / "host-*.example.org" globs. */
    allowed_domains: z.array(canonical(normaliseDomainRule)).max(256).default([]).transform(uniq),
    allow_any_name: z.boolean().default(false),
    allow_wildcard: z.boolean().default(false),
    allow_ip_sans: z.boolean().default(true),
    /** Absent: any address. To allow none, set allow_ip_sans to false rather than an empty list. */
    allowed_ip_ranges: z.array(canonical(normaliseIpRange)).min(1, 'must not be empty; set allow_ip_sans to false to refuse IP names').max(256).transform(uniq).optional(),
    allow_email_sans: z.boolean().default(false),
    key_types: subsetOf(KEY_FAMILIES).default([...KEY_FAMILIES]),
    min_rsa_bits: z.literal(RSA_BITS).default(2048),
    allowed_ec_curves: subsetOf(EC_CURVES).default([...EC_CURVES]),
    max_ttl: seconds(PROFILE_TTL_LIMIT_SECONDS).default(PROFILE_DEFAULT_MAX_TTL_SECONDS),
    /** Absent: 30 days, or max_ttl when that is shorter. */
    default_ttl: seconds(PROFILE_TTL_LIMIT_SECONDS).optional(),
    /** Absent: derived from the key type at issuance (RSA: digitalSignature + keyEncipherment, others: digitalSignature). */
    key_usages: subsetOf(KEY_USAGES).optional(),
    /** At least one: an empty list would mean no extendedKeyUsage extension, i.e. any purpose. */
    ext_key_usages: subsetOf(EXT_KEY_USAGES).default(['server_auth', 'client_auth']),
    copy_subject_fields: subsetOf(SUBJECT_FIELDS, 0).default(['CN']),
    max_backdate: z.number().int('must be whole seconds').min(0).max(PROFILE_MAX_BACKDATE_LIMIT_SECONDS).default(0),
    /**
     * notBefore is set this far before the moment of signing, so that relying parties whose clocks
     * are a little behind accept a fresh certificate. It counts in the validity: notAfter − notBefore
     * is exactly the TTL, never more.
     */
    backdate: z.number().int('must be whole seconds').min(0).max(PROFILE_MAX_BACKDATE_LIMIT_SECONDS).default(60),
    /** The Octavia pattern: CN must be the id of the object (load balancer, listener…) the certificate is for. */
    cn_must_be_object_id: z.boolean().default(false),
    require_san: z.boolean().default(true),
  })
  .strict()
  .transform((p, ctx) => {
    // A max_ttl under 30 days lowers the default with it, instead of making every such profile spell out default_ttl.
    const defaultTtl = p.default_ttl ?? Math.min(PROFILE_DEFAULT_TTL_SECONDS, p.max_ttl);
    if (defaultTtl > p.max_ttl) {
      ctx.addIssue({ code: 'custom', path: ['default_ttl'], message: `default_ttl (${defaultTtl} s) must not be longer than max_ttl (${p.max_ttl} s)` });
    }
    if (p.cn_must_be_object_id && !p.copy_subject_fields.includes('CN')) {
      ctx.addIssue({ code: 'custom', path: ['copy_subject_fields'], message: 'must include CN when cn_must_be_object_id is set' });
    }
    return { ...p, default_ttl: defaultTtl };
  });

export type Profile = z.output<typeof Profile>;
export type ProfileInput = z.input<typeof Profile>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * For TLS servers and their clients: any name (each project's CA is its own namespace, as it has
 * been without profiles), wildcards and IP addresses allowed, no email names, every key type but
 * RSA under 2048 bits, 30 days by default and at most 398, serverAuth + clientAuth, CN copied.
 */
export const DEFAULT_PROFILE: Profile = deepFreeze(
  Profile.parse({
    name: 'default',
    allow_any_name: true,
    allow_wildcard: true,
    allow_ip_sans: true,
    // The built-in profile keeps what the service issued before profiles existed, e-mail names included.
    allow_email_sans: true,
  }),
);
