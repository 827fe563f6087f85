import * as z from 'zod';
import { RenewalSetting } from './renewal.js';
import { printable } from './text.js';
import { KEY_TYPES, REASON_NAMES, type KeyType, type ReasonCode } from '../x509/index.js';

/** Request bodies of the API, validated where they enter. */

export const SubjectSchema = z
  .object({
    CN: printable(64),
    O: printable(64).optional(),
    OU: printable(64).optional(),
    C: z.string().regex(/^[A-Z]{2}$/, 'must be a two-letter country code').optional(),
    ST: printable(128).optional(),
    L: printable(128).optional(),
  })
  .strict();

export const CreateCaBody = z
  .object({
    name: printable(255).optional(),
    subject: SubjectSchema,
    key_type: z.enum(KEY_TYPES as [KeyType, ...KeyType[]]).default('EC-P256'),
    validity_days: z.number().int().min(1).max(36500).default(3650),
    /** An intermediate signed by this project CA. */
    parent_ca_id: z.string().uuid().optional(),
    /** An intermediate signed by a CA outside the service: a CSR now, the certificate uploaded later. */
    external: z.boolean().default(false),
    /** basicConstraints pathLenConstraint: how many CAs may follow below this one. */
    path_len: z.number().int().min(0).max(10).optional(),
    name_constraints: z
      .object({
        permitted_dns: z.array(z.string().min(1).max(253)).max(64).optional(),
        excluded_dns: z.array(z.string().min(1).max(253)).max(64).optional(),
        permitted_ip: z.array(z.string().min(1).max(64)).max(64).optional(),
        excluded_ip: z.array(z.string().min(1).max(64)).max(64).optional(),
        permitted_email: z.array(z.string().min(1).max(254)).max(64).optional(),
        excluded_email: z.array(z.string().min(1).max(254)).max(64).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** No request may ask for more than this, whatever the policy; validity is also clipped to the CA's. */
const ABSOLUTE_MAX_TTL_SECONDS = 100 * 365 * 86400;

/** A TTL as seconds or a duration string like Vault's ("720h", "30d", "90m", "3600s"). */
export function parseTtl(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}

export const IssueCertificateBody = z
  .object({
    /** Absent: the worker generates the key (delivered only through Barbican) and its CSR. */
    csr: z.string().min(1).max(32 * 1024).optional(),
    /** Server-side keys: their type and the certificate's subject (default CN: object_id or the first name). */
    key_type: z.enum(KEY_TYPES as [KeyType, ...KeyType[]]).optional(),
    subject: SubjectSchema.partial().optional(),
    sans: z.array(z.string().min(1).max(260)).max(100).default([]),
    /** The CA's issuance profile to check the request against. */
    profile: z.string().regex(/^[a-z0-9][a-z0-9-_]{0,62}$/, 'must be a profile name').default('default'),
    /** The id of the object the certificate is for (a profile may require it as the CN). */
    object_id: printable(64).optional(),
    /** Renew automatically before expiry (re-signed from this CSR). */
    renewal: RenewalSetting.optional(),
    /** Absent: the profile's default_ttl. */
    ttl: z
      .union([z.number(), z.string()])
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const s = parseTtl(v);
        if (s === undefined) {
          ctx.addIssue({ code: 'custom', message: 'must be seconds or a duration like "720h" or "30d"' });
          return z.NEVER;
        }
        if (s > ABSOLUTE_MAX_TTL_SECONDS) {
          ctx.addIssue({ code: 'custom', message: `must be at most ${ABSOLUTE_MAX_TTL_SECONDS / 86400} days` });
          return z.NEVER;
        }
        return s;
      }),
  })
  .strict();

export const RegisterContainerBody = z
  .object({
    name: printable(255).optional(),
    container_ref: z
      .string()
      .max(1024)
      .regex(/^https?:\/\/[^\s]+\/v1\/containers\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a Barbican container reference (https://.../v1/containers/<uuid>)'),
  })
  .strict();

export const RegenerateCsrBody = z.object({ subject: SubjectSchema }).strict();

export const UploadCaCertificateBody = z
  .object({
    /** The certificate the external CA issued for this CA's CSR (PEM). */
    certificate: z.string().min(1).max(32 * 1024),
    /** Every external intermediate and the root, PEM (RFC 7468), in any order. */
    chain: z.string().min(1).max(64 * 1024),
  })
  .strict();

export const RevokeCertificateBody = z
  .object({
    /** RFC 5280 CRLReason, by name. */
    // No certificateHold (this CA does not un-revoke) and no removeFromCRL (delta CRLs only).
    reason: z.enum(REASON_NAMES.filter((r) => r !== 'certificateHold' && r !== 'removeFromCRL') as [ReasonCode, ...ReasonCode[]]).default('unspecified'),
  })
  .strict();

export type CreateCaBody = z.infer<typeof CreateCaBody>;
export type RegisterContainerBody = z.infer<typeof RegisterContainerBody>;
export type IssueCertificateBody = z.infer<typeof IssueCertificateBody>;
export { requestedSans, sanToString } from './sans.js';
export { RenewalSetting, renewAtFor } from './renewal.js';
export * from './enrollment.js';
