import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * One-time passwords of enrollments: 160 random bits in Crockford's base32 (no I, L, O, U: read
 * aloud or typed from a screen without confusion), in groups of four. Only the SHA-256 of the
 * canonical form is stored; with 160 bits a fast hash is enough (nobody can enumerate them), and
 * the lockout after five failures covers the rest.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const OTP_BITS = 160;

export function newOneTimePassword(): { password: string; sha256: string } {
  const bytes = randomBytes(OTP_BITS / 8);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  const password = out.match(/.{1,4}/g)!.join('-');
  return { password, sha256: otpSha256(password) };
}

/** Dashes, spaces and case do not matter; O, I and L read as 0, 1 and 1, as Crockford's base32 says. */
export function canonicalOtp(given: string): string {
  return given.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

export const otpSha256 = (password: string) => createHash('sha256').update(canonicalOtp(password)).digest('base64url');

/** Constant-time comparison of a given password with the stored hash. */
export function otpMatches(storedSha256: string | undefined, given: string): boolean {
  const expected = Buffer.from(storedSha256 ?? '', 'base64url');
  const got = createHash('sha256').update(canonicalOtp(given)).digest();
  // A record without a hash (redeemed) still costs a comparison, against zeros.
  return timingSafeEqual(expected.length === got.length ? expected : Buffer.alloc(got.length), got) && expected.length === got.length;
}
