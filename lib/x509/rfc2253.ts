import { decodeRdns } from './name.js';

/**
 * A Name as mod_ssl puts it into SSL_CLIENT_I_DN and SSL_CLIENT_S_DN: OpenSSL's X509_NAME_print_ex
 * with XN_FLAG_RFC2253 (also `openssl x509 -nameopt rfc2253`). Keystone compares an identity
 * provider's remote_ids with that string as is, so it must come out byte for byte the same: RDNs
 * most specific first (the whole entry list reversed), short names, `,` between RDNs and `+` inside one, RFC 2253's backslash
 * escapes, and every byte of the UTF-8 at or above 0x80 (and every control byte) as `\XX`.
 */
export function nameToRfc2253(nameDer: Buffer): string {
  return decodeRdns(nameDer)
    .reverse()
    // XN_FLAG_DN_REV reverses OpenSSL's flat list of entries: the values inside a multi-valued RDN too.
    .map((rdn) => [...rdn].reverse().map((a) => `${a.type}=${escapeValue(a.value)}`).join('+'))
    .join(',');
}

/** OpenSSL's ESC_2253 characters (crypto/asn1/charmap.pl), escaped by a backslash anywhere. */
const BACKSLASHED = new Set([',', '+', '"', '\\', '<', '>', ';']);

function escapeValue(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  bytes.forEach((b, i) => {
    const ch = String.fromCharCode(b);
    if (b < 0x20 || b >= 0x7f) out += `\\${b.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (BACKSLASHED.has(ch) || (i === 0 && (ch === '#' || ch === ' ')) || (i === bytes.length - 1 && ch === ' ')) out += `\\${ch}`;
    else out += ch;
  });
  return out;
}
