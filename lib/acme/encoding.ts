/** Strict decoders shared by the JWS, JWK and nonce code: everything untrusted goes through these. */

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON object (not null, not an array): the only shape the ACME message layer accepts as a container. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The bytes of an unpadded base64url string, or undefined. Node's decoder skips foreign characters
 * and ignores spare trailing bits; we refuse both, so one value has one spelling (thumbprints and
 * nonce redemption are keyed on spellings).
 */
export function decodeBase64url(s: string): Buffer | undefined {
  if (!BASE64URL.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? bytes : undefined;
}

/** UTF-8 text, or undefined for invalid sequences (which Buffer#toString would silently replace). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** JSON.parse that answers undefined for non-JSON instead of throwing. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** A value for a problem detail: short, and quoted so control characters cannot forge log lines. */
export const quote = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
