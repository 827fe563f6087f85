import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { badRequest } from '../errors/index.js';
import { ia5String, sequence, tlv } from './derWriter.js';

export type San = { type: 'dns'; value: string } | { type: 'ip'; value: string } | { type: 'email'; value: string };

export const MAX_SANS = 100;

const invalid = (input: string, why: string) => badRequest('SAN_INVALID', `"${input}" is not a valid name: ${why}.`, { value: input });

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name, lower-cased, IDNs as punycode, one trailing dot dropped; '*' only as the whole leftmost label. */
export function normaliseDnsName(input: string, original = input): string {
  let name = input.trim();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!name) throw invalid(original, 'empty DNS name');
  const wildcard = name.startsWith('*.');
  const rest = wildcard ? name.slice(2) : name;
  // Non-ASCII labels become A-labels (IDNA); domainToASCII returns '' for what IDNA refuses.
  const ascii = /^[\x00-\x7f]*$/.test(rest) ? rest.toLowerCase() : domainToASCII(rest);
  if (!ascii) throw invalid(original, 'not a valid internationalised domain name');
  if (ascii.length + (wildcard ? 2 : 0) > 253) throw invalid(original, 'longer than 253 characters');
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '*') throw invalid(original, 'a wildcard is only allowed as the whole leftmost label');
    if (!label) throw invalid(original, 'empty label');
    if (label.length > 63) throw invalid(original, 'a label is longer than 63 characters');
    if (!LABEL.test(label)) throw invalid(original, `label "${label}" has characters other than letters, digits and inner hyphens`);
  }
  if (wildcard && labels.length < 2) throw invalid(original, 'a wildcard needs at least two labels after it');
  return wildcard ? `*.${ascii}` : ascii;
}

function normaliseIp(value: string, original: string): string {
  const v = value.trim().replace(/^\[|\]$/g, '');
  const family = isIP(v);
  if (!family) throw invalid(original, 'not an IPv4 or IPv6 address');
  if (family === 4) return v.split('.').map(Number).join('.');
  // The WHATWG URL parser prints IPv6 in its canonical compressed form (RFC 5952).
  return new URL(`http://[${v}]/`).hostname.slice(1, -1);
}

function normaliseEmail(value: string, original: string): string {
  const v = value.trim();
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) throw invalid(original, 'an email address needs a local part and a domain');
  const local = v.slice(0, at);
  if (local.length > 64 || !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    throw invalid(original, 'the local part has characters not allowed in an address');
  }
  const domain = normaliseDnsName(v.slice(at + 1), original);
  if (domain.startsWith('*')) throw invalid(original, 'no wildcard in an email domain');
  return `${local}@${domain}`;
}

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

/** Implicit tagging: same bytes, context tag. */
const retag = (der: Buffer, tag: number) => Buffer.concat([Buffer.from([tag]), der.subarray(1)]);
