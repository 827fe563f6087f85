import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { badRequest } from '../errors/index.js';
import { isValidALabel } from './aLabel.js';
import { ia5String, sequence, tlv } from './derWriter.js';

export type San = { type: 'dns'; value: string } | { type: 'ip'; value: string } | { type: 'email'; value: string };

export const MAX_SANS = 100;

const invalid = (input: string, why: string) => badRequest('SAN_INVALID', `"${input}" is not a valid name: ${why}.`, { value: input });

export const MAX_DNS_NAME_LENGTH = 253;
export const MAX_DNS_LABEL_LENGTH = 63;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ASCII = /^[\x00-\x7f]*$/;

/** Makes the caller's error (its code and wording) for why a DNS name is refused. */
export type Refuse = (why: string) => Error;

/**
 * Lower case and A-labels. ASCII input is only lower-cased: the WHATWG host parser behind
 * domainToASCII would turn "0x7f.1" into "127.0.0.1", and we must not rewrite a name into another.
 * Existing A-labels are still checked to be valid punycode.
 */
function toAscii(name: string, refuse: Refuse): string {
  if (ASCII.test(name)) {
    const lower = name.toLowerCase();
    for (const label of lower.split('.')) {
      if (label.startsWith('xn--') && !isValidALabel(label)) throw refuse(`label "${label}" is not valid punycode`);
    }
    return lower;
  }
  // domainToASCII returns '' for what IDNA refuses.
  const ascii = domainToASCII(name);
  if (!ascii) throw refuse('not a valid internationalised domain name');
  // An A-label already in the input comes back as it was (Node 24's parser no longer decodes it).
  for (const label of ascii.split('.')) {
    if (label.startsWith('xn--') && !isValidALabel(label)) throw refuse(`label "${label}" is not valid punycode`);
  }
  return ascii;
}

function checkLabel(ascii: string, refuse: Refuse): string {
  if (!ascii) throw refuse('empty label');
  if (ascii.length > MAX_DNS_LABEL_LENGTH) throw refuse(`label "${ascii.slice(0, 20)}…" is longer than ${MAX_DNS_LABEL_LENGTH} characters`);
  if (!LABEL.test(ascii)) throw refuse(`label "${ascii}" has characters other than letters, digits and inner hyphens`);
  return ascii;
}

/** One label in canonical form (an A-label for an IDN): letters, digits and inner hyphens, at most 63 octets. */
export const canonicalDnsLabel = (label: string, refuse: Refuse): string => checkLabel(toAscii(label, refuse), refuse);

/** A numeric last label is never a host name (RFC 3696 2.); this also keeps "10.0.0.1" out of DNS names. */
export function checkTopLabel(label: string, refuse: Refuse): void {
  if (/^\d+$/.test(label)) throw refuse('the last label is all digits');
}

/**
 * THE DNS-name validator (SANs, profile names and rules, name constraints all use it): canonical
 * form, lower case, IDNs as A-labels, one trailing dot (the root) dropped; every label at most 63
 * octets, the name at most 253. With `wildcard`, "*" may be the whole leftmost label, nowhere else.
 * Policies on top (how deep a wildcard, public suffixes) are the callers'.
 */
export function canonicalDnsName(input: string, refuse: Refuse, { wildcard = true } = {}): string {
  const name = input.endsWith('.') ? input.slice(0, -1) : input;
  if (!name) throw refuse('empty name');
  const star = wildcard && name.startsWith('*.');
  const rest = star ? name.slice(2) : name;
  if (rest.includes('*')) throw refuse(wildcard ? 'a wildcard is only allowed as the whole leftmost label' : 'no wildcard is allowed here');
  const ascii = toAscii(rest, refuse);
  const full = `${star ? '*.' : ''}${ascii}`;
  if (full.length > MAX_DNS_NAME_LENGTH) throw refuse(`longer than ${MAX_DNS_NAME_LENGTH} characters`);
  const labels = ascii.split('.').map((l) => checkLabel(l, refuse));
  checkTopLabel(labels[labels.length - 1], refuse);
  return full;
}

/** A DNS name as a SAN: the canonical name, and a wildcard needs at least two labels after it. */
export function normaliseDnsName(input: string, original = input): string {
  const name = canonicalDnsName(input.trim(), (why) => invalid(original, why));
  if (name.startsWith('*.') && name.split('.').length < 3) throw invalid(original, 'a wildcard needs at least two labels after it');
  return name;
}

/** Dotted quad, or RFC 5952 compressed IPv6, of 4 or 16 address bytes. */
export function ipFromBytes(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  // The WHATWG URL parser prints IPv6 in its canonical compressed form (RFC 5952).
  return new URL(`http://[${bytes.toString('hex').match(/.{4}/g)!.join(':')}]/`).hostname.slice(1, -1);
}

/** The netmask of `prefix` leading one bits, `length` bytes long (4 or 16). */
export const netmask = (length: number, prefix: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (prefix >= (i + 1) * 8 ? 0xff : prefix <= i * 8 ? 0 : (0xff << (8 - (prefix - i * 8))) & 0xff)));

/** The address bytes with every bit after the first `prefix` cleared: the network of a CIDR range. */
export const maskAddress = (bytes: Buffer, prefix: number): Buffer => {
  const m = netmask(bytes.length, prefix);
  return Buffer.from(bytes.map((b, i) => b & m[i]));
};

/** The IPv4 address hidden in an IPv6 one, and how: mapped ::ffff:0:0/96, or compatible ::/96 but for :: and ::1. */
function embeddedIpv4(b: Buffer): { how: string; v4: string } | undefined {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const v4 = [...b.subarray(12)].join('.');
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return { how: 'an IPv4-mapped IPv6 address', v4 };
  // :: (unspecified) and ::1 (loopback) are IPv6's own addresses, not IPv4 in disguise.
  if (zeros(0, 15) && b[15] <= 1) return undefined;
  if (zeros(0, 12)) return { how: 'an IPv4-compatible IPv6 address (deprecated, RFC 4291 2.5.5.1)', v4 };
  return undefined;
}

/**
 * THE reading of an IP address as text (SANs, CNs, profile ranges, name constraints): family,
 * canonical text (dotted quad, RFC 5952) and bytes, or `refuse`. Never a zone id ("fe80::1%eth0"):
 * it is local to a host, means nothing in a certificate, and the URL parser throws on it. As a
 * certificate name (`asName`, the default) never IPv4 inside IPv6 either: Go's verifier takes
 * "::ffff:127.0.0.1" for 127.0.0.1, so it would slip past an excluded 127.0.0.0/8. Ranges
 * (asName false) may cover such addresses: no name in them is ever issued.
 */
export function canonicalIp(value: string, refuse: Refuse, { asName = true } = {}): { family: 4 | 6; text: string; bytes: Buffer } {
  if (value.includes('%')) throw refuse('an IP address with a zone id ("%…") is local to a host; leave the zone id out');
  const family = isIP(value);
  if (family !== 4 && family !== 6) throw refuse('not an IPv4 or IPv6 address');
  const bytes = ipToBytes(value);
  const hidden = family === 6 && asName ? embeddedIpv4(bytes) : undefined;
  if (hidden) throw refuse(`${hidden.how}; use the plain IPv4 address ${hidden.v4}`);
  return { family, text: ipFromBytes(bytes), bytes };
}

const normaliseIp = (value: string, original: string): string => canonicalIp(value.trim().replace(/^\[|\]$/g, ''), (why) => invalid(original, why)).text;

/**
 * THE email-address validator (SANs, CNs, mailbox name constraints): a dot-atom local part
 * (RFC 5322, at most 64 characters) kept as written, "@", and a DNS name without wildcard, canonical.
 */
export function canonicalEmail(value: string, refuse: Refuse): string {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) throw refuse('an email address needs a local part and a domain');
  const local = value.slice(0, at);
  if (local.length > 64 || !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw refuse('the local part has characters not allowed in an address');
  }
  return `${local}@${canonicalDnsName(value.slice(at + 1), refuse, { wildcard: false })}`;
}

const normaliseEmail = (value: string, original: string): string => canonicalEmail(value.trim(), (why) => invalid(original, why));

/** "DNS:x", "IP:x", "email:x", or bare: an IP literal is an IP, with '@' an email, otherwise a DNS name. */
export function parseSan(input: string): San {
  if (typeof input !== 'string' || !input.trim()) throw invalid(String(input), 'empty');
  const m = /^(DNS|IP|email|IP Address):(.*)$/i.exec(input.trim());
  if (m) {
    const kind = m[1].toLowerCase();
    const value = m[2];
    if (kind === 'dns') return { type: 'dns', value: normaliseDnsName(value, input) };
    if (kind === 'email') return { type: 'email', value: normaliseEmail(value, input) };
    return { type: 'ip', value: normaliseIp(value, input) };
  }
  const bare = input.trim();
  if (isIP(bare.replace(/^\[|\]$/g, ''))) return { type: 'ip', value: normaliseIp(bare, input) };
  if (bare.includes('@')) return { type: 'email', value: normaliseEmail(bare, input) };
  return { type: 'dns', value: normaliseDnsName(bare, input) };
}

/**
 * What a subject CN names, for the checks that treat a CN like a SAN (profiles, name constraints):
 * clients that still read the CN take it as a host name, so one written like a name is a name and
 * must be valid. An IP address (brackets allowed), an email address when it has "@", a DNS name
 * when it has a "*", or only host-name characters and a dot, or is a name as it stands
 * ("localhost", an IDN); undefined for free text ("Web frontend", "svc_backup").
 */
export function commonNameKind(cn: string): San['type'] | undefined {
  if (isIP(cn.replace(/^\[|\]$/g, ''))) return 'ip';
  if (cn.includes('@')) return 'email';
  if (cn.includes('*') || (/^[A-Za-z0-9_.-]+$/.test(cn) && cn.includes('.'))) return 'dns';
  try {
    canonicalDnsName(cn, (why) => new Error(why));
    return 'dns';
  } catch {
    return undefined;
  }
}

/** A CN as the name it stands for (commonNameKind), canonical; undefined for free text; SAN_INVALID for a CN written like a name but not a valid one. */
export function commonNameAsSan(cn: string): San | undefined {
  const kind = commonNameKind(cn);
  return kind && parseSan(`${kind === 'dns' ? 'DNS' : kind === 'ip' ? 'IP' : 'email'}:${cn}`);
}

/** Validates, normalises and de-duplicates a list of names. */
export function parseSans(list: string[]): San[] {
  const seen = new Set<string>();
  const out: San[] = [];
  for (const item of list) {
    const san = parseSan(item);
    const k = `${san.type}:${san.value}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(san);
    }
  }
  if (out.length > MAX_SANS) throw badRequest('SAN_INVALID', `At most ${MAX_SANS} names per certificate.`);
  return out;
}

function ipv6ToBytes(v: string): Buffer {
  let s = v;
  // An embedded IPv4 tail becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    s = s.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.map((g) => g.padStart(4, '0')).join(''), 'hex');
}

export function ipToBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  return ipv6ToBytes(ip);
}

/** GeneralNames for the subjectAltName extension. */
export function encodeSans(sans: San[]): Buffer {
  return sequence(
    ...sans.map((s) => {
      if (s.type === 'dns') return retag(ia5String(s.value), 0x82);
      if (s.type === 'email') return retag(ia5String(s.value), 0x81);
      return tlv(0x87, ipToBytes(s.value));
    }),
  );
}

/** Implicit tagging: same bytes, context tag (the element is fresh from ia5String, so it is retagged in place). */
const retag = (der: Buffer, tag: number) => {
  der[0] = tag;
  return der;
};
