import { describe, expect, it } from 'vitest';
import { canonicalOtp, newOneTimePassword, OTP_BITS, otpMatches, otpSha256 } from '../../../lib/enroll/index.js';

describe('one-time passwords', () => {
  it('have 160 random bits in Crockford base32 groups, and only their hash is what is kept', () => {
    expect(OTP_BITS).toBeGreaterThanOrEqual(128);
    const a = newOneTimePassword();
    const b = newOneTimePassword();
    expect(a.password).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(a.password).not.toBe(b.password);
    expect(a.sha256).toBe(otpSha256(a.password));
    expect(a.sha256).not.toContain(canonicalOtp(a.password));
  });

  it('match however they are typed (case, dashes, spaces, O for 0, I and L for 1) and nothing else', () => {
    const { password, sha256 } = newOneTimePassword();
    expect(otpMatches(sha256, password)).toBe(true);
    expect(otpMatches(sha256, password.toLowerCase().replace(/-/g, ' '))).toBe(true);
    expect(otpMatches(sha256, password.replace(/0/g, 'O').replace(/1/g, 'l'))).toBe(true);
    const last = password.slice(-1);
    expect(otpMatches(sha256, password.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z'))).toBe(false);
    expect(otpMatches(sha256, '')).toBe(false);
    // A redeemed enrollment has no hash any more: nothing matches it.
    expect(otpMatches(undefined, password)).toBe(false);
    expect(otpMatches('', password)).toBe(false);
  });
});
