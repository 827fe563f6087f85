import * as z from 'zod';
import { KEY_TYPES, type KeyType } from '../x509/index.js';
import { printable } from './text.js';

/** Bodies of the login CA and enrollment routes. Lifetimes in seconds. */

const HOUR = 3600;
const DAY = 86400;
const seconds = (min: number, max: number) => z.number().int('must be whole seconds').min(min).max(max);

export const CreateLoginCaBody = z
  .object({
    /** The CA's CN; its subject also carries its id (OU), so that no two login CAs share an issuer DN. */
    name: printable(64),
    organization: printable(64).optional(),
    key_type: z.enum(KEY_TYPES as [KeyType, ...KeyType[]]).default('EC-P256'),
    validity_days: z.number().int().min(1).max(36500).default(3650),
    user_certificates: z
      .object({
        default_ttl: seconds(300, 30 * DAY).default(8 * HOUR),
        max_ttl: seconds(300, 30 * DAY).default(8 * HOUR),
      })
      .strict()
      .refine((u) => u.default_ttl <= u.max_ttl, { message: 'default_ttl must not be longer than max_ttl', path: ['default_ttl'] })
      .default({ default_ttl: 8 * HOUR, max_ttl: 8 * HOUR }),
  })
  .strict();

/** Keystone ids: 32 hex digits by default, at most 64 characters of a safe alphabet with other id generators. */
export const KeystoneUserId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Keystone user id');

export const CreateEnrollmentBody = z
  .object({
    user_id: KeystoneUserId,
    /** The certificate's lifetime (default: the login CA's default_ttl). */
    ttl: seconds(60, 30 * DAY).optional(),
    /** How long the one-time password may be redeemed. */
    expires_in: seconds(60, 7 * DAY).default(DAY),
  })
  .strict();

const Csr = z.string().min(1).max(64 * 1024);
const Jws = z.string().min(1).max(20000);

export const RedeemEnrollmentBody = z.object({ one_time_password: z.string().min(1).max(128), csr: Csr }).strict();
/** A machine that holds a certificate asks for a one-time password for another machine. */
export const MachineEnrollmentBody = z.object({ login_ca_id: z.string().uuid(), jws: Jws }).strict();
export const ApproveEnrollmentBody = z.object({ jws: Jws }).strict();
export const RenewUserCertificateBody = z.object({ login_ca_id: z.string().uuid(), jws: Jws, csr: Csr }).strict();

/** A machine-made one-time password is short-lived: the new machine is next to the old one. */
export const MACHINE_OTP_DEFAULT_SECONDS = 15 * 60;
export const MACHINE_OTP_MAX_SECONDS = HOUR;

export type CreateLoginCaBody = z.infer<typeof CreateLoginCaBody>;
