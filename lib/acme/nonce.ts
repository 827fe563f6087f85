import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stateless anti-replay nonces (RFC 8555 6.5). Any function instance holding the secret can tell a
 * nonce we minted and not yet expired from anything else, without a database read; "used at most once"
 * is enforced elsewhere by a conditional write keyed on the nonce string.
 *
 * Layout: random (16) ‖ expiry, Unix seconds, uint64 BE (8) ‖ HMAC-SHA256(secret, random ‖ expiry)[0..16),
 * base64url without padding: 40 bytes, 54 characters.
 *
 * The MAC also covers a scope, the directory that minted the nonce (not carried in the nonce), so a
 * nonce is good only at that directory. Redemption is per project; without the scope a nonce
 * minted at one project's directory could be spent once in each project, which RFC 8555 6.5
 * forbids ("once a nonce value has appeared in an ACME request, the server MUST consider it invalid").
 */

const RANDOM_BYTES = 16;
const EXPIRY_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = RANDOM_BYTES + EXPIRY_BYTES + MAC_BYTES;
/** base64url of 40 bytes, no padding. */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{54}$/;

// body is fixed-length, so body ‖ scope is unambiguous.
const mac = (secret: Buffer, body: Buffer, scope: string): Buffer => createHmac('sha256', secret).update(body).update(scope, 'utf8').digest().subarray(0, MAC_BYTES);

export function mintNonce(secret: Buffer, now: Date, ttlSeconds = 3600, scope = ''): string {
  const body = Buffer.alloc(RANDOM_BYTES + EXPIRY_BYTES);
  randomBytes(RANDOM_BYTES).copy(body, 0);
  body.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000) + Math.floor(ttlSeconds)), RANDOM_BYTES);
  return Buffer.concat([body, mac(secret, body, scope)]).toString('base64url');
}

/** The nonce's expiry when we minted it for `scope` and it is still live; undefined for anything malformed, forged, of another scope or expired. */
export function checkNonce(secret: Buffer, nonce: string, now: Date, scope = ''): { expiresAt: Date } | undefined {
  if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) return undefined;
  const raw = Buffer.from(nonce, 'base64url');
  // The last character carries 4 spare bits: only the canonical spelling counts, or one nonce
  // would have 16 spellings and the once-only write (keyed on the string) could be replayed.
  if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return undefined;
  const body = raw.subarray(0, RANDOM_BYTES + EXPIRY_BYTES);
  if (!timingSafeEqual(mac(secret, body, scope), raw.subarray(RANDOM_BYTES + EXPIRY_BYTES))) return undefined;
  const expiry = Number(body.readBigUInt64BE(RANDOM_BYTES));
  if (!(expiry * 1000 > now.getTime())) return undefined;
  return { expiresAt: new Date(expiry * 1000) };
}
