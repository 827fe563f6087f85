import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in the Stripe/GitHub manner: `X-CA-Signature: t=<unix seconds>,v1=<hex>` where
 * v1 = HMAC-SHA256(secret, "<t>.<raw body>"). The timestamp is inside the MAC, so a receiver that
 * checks it against its clock can refuse a captured delivery replayed later; several v1 entries are
 * accepted so a secret can be rotated by signing with the old and the new one for a while.
 */

export const SIGNATURE_HEADER = 'X-CA-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'SIGNATURE_MISSING' | 'SIGNATURE_MALFORMED' | 'SIGNATURE_MISMATCH' | 'SIGNATURE_STALE';

/** A header is small; anything longer is not ours and is not worth parsing. */
const MAX_HEADER_LENGTH = 1024;
const MAX_SIGNATURES = 4;

type Body = string | Uint8Array;

function mac(secret: string, timestamp: number, body: Body): Buffer {
  if (!secret) throw new Error('A webhook secret is required: an empty HMAC key is a signature anyone can make.');
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The header value for `body` (the exact bytes sent) at `timestampSeconds`. Several secrets (during a
 * rotation, new and old) give one v1 each; a receiver holding either accepts.
 */
export function signWebhook(secret: string | readonly string[], body: Body, timestampSeconds: number): string {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) throw new Error('The signature timestamp must be whole unix seconds.');
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0 || secrets.length > MAX_SIGNATURES) throw new Error(`Sign with 1 to ${MAX_SIGNATURES} secrets.`);
  return [`t=${timestampSeconds}`, ...secrets.map((s) => `v1=${mac(s, timestampSeconds, body).toString('hex')}`)].join(',');
}

function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value) || signatures.length === MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a future v2) are skipped, so senders can add one without breaking receivers.
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * Why a delivery does not verify, or undefined when it does. `body` must be the raw bytes received,
 * before any JSON parsing (re-serialising changes them). `now` is a Date or epoch milliseconds.
 */
export function webhookSignatureFailure(
  secret: string,
  header: string | string[] | null | undefined,
  body: Body,
  now: Date | number = Date.now(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureFailure | undefined {
  if (header === undefined || header === null || header === '') return 'SIGNATURE_MISSING';
  // Two signature headers are one too many to guess from.
  if (Array.isArray(header)) return 'SIGNATURE_MALFORMED';
  const parsed = parseHeader(header);
  if (!parsed) return 'SIGNATURE_MALFORMED';
  const expected = mac(secret, parsed.timestamp, body);
  // Compare against every candidate without stopping early: timing says nothing about which matched.
  let matched = false;
  for (const candidate of parsed.signatures) matched = timingSafeEqual(candidate, expected) || matched;
  if (!matched) return 'SIGNATURE_MISMATCH';
  const nowSeconds = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  // Both ways: a timestamp far in the future would otherwise stay replayable for as long.
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return 'SIGNATURE_STALE';
  return undefined;
}

/** For receivers: true only for an authentic body signed within `toleranceSeconds` of `now`. */
export const verifyWebhookSignature = (
  secret: string,
  header: string | string[] | null | undefined,
  body: Body,
  now: Date | number = Date.now(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean => webhookSignatureFailure(secret, header, body, now, toleranceSeconds) === undefined;
