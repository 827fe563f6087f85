import * as z from 'zod';

/** When to renew: once this share of the lifetime, or these many days, remain (the earlier wins). */
export const RenewalSetting = z
  .object({
    percent: z.number().int().min(1).max(90).optional(),
    days: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((r) => r.percent !== undefined || r.days !== undefined, 'give "percent" of the lifetime or "days" before expiry');

export type RenewalSetting = z.infer<typeof RenewalSetting>;

/** The moment a certificate valid from `notBefore` to `notAfter` is due for renewal. */
export function renewAtFor(notBefore: Date, notAfter: Date, r: RenewalSetting): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const before = Math.max(r.percent !== undefined ? (lifetime * r.percent) / 100 : 0, r.days !== undefined ? r.days * 86_400_000 : 0);
  // Never before the certificate starts: a "days" larger than the lifetime renews at once.
  return new Date(Math.max(notBefore.getTime(), notAfter.getTime() - before));
}
