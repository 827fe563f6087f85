import { isIP } from 'node:net';
import { badRequest } from '../errors/index.js';
import { ipToBytes } from '../x509/san.js';

/**
 * `allowed_ip_ranges` entries. Address families never cross: an IPv4 range does not match the
 * IPv4-mapped IPv6 address "::ffff:10.0.0.1", because a certificate carrying that 16-byte name does
 * not match a client connecting to 10.0.0.1 either.
 */

export interface IpRange {
  family: 4 | 6;
  bytes: Buffer;
  prefix: number;
  /** Canonical "address/prefix". */
  value: string;
}

const rangeInvalid = (input: string, why: string) =>
  badRequest('NAME_INVALID', `"${input}" is not a valid allowed_ip_ranges entry: ${why}.`, { rule: 'allowed_ip_ranges', value: input });

/** Canonical text of an address: dotted quad, or RFC 5952 compressed IPv6; undefined for anything else. */
export function canonicalIp(value: string): { family: 4 | 6; text: string } | undefined {
  // Zone ids ("fe80::1%eth0") are local to a host and mean nothing in a certificate.
  if (value.includes('%')) return undefined;
  const family = isIP(value);
  if (family === 4) return { family, text: value.split('.').map(Number).join('.') };
  if (family === 6) return { family, text: new URL(`http://[${value}]/`).hostname.slice(1, -1) };
  return undefined;
}

/**
 * "10.0.0.0/8", "2001:db8::/32"; a bare address is a single host (/32 or /128). Host bits must be
 * zero: "10.0.0.1/8" is more likely a typo than a wish for all of 10/8, so it is refused, not widened.
 */
export function parseIpRange(input: string): IpRange {
  const slash = input.indexOf('/');
  const addr = slash < 0 ? input : input.slice(0, slash);
  const ip = canonicalIp(addr);
  if (!ip) throw rangeInvalid(input, 'not an IPv4 or IPv6 address');
  const max = ip.family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : input.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw rangeInvalid(input, `the prefix length must be 0 to ${max}`);
  const prefix = Number(prefixText);
  const bytes = ipToBytes(ip.text);
  const network = mask(bytes, prefix);
  if (!network.equals(bytes)) throw rangeInvalid(input, `bits are set after the first ${prefix}; did you mean ${toText(network, ip.family)}/${prefix}?`);
  return { family: ip.family, bytes, prefix, value: `${ip.text}/${prefix}` };
}

export const normaliseIpRange = (input: string): string => parseIpRange(input).value;

/** Whether a canonical address lies in a range (same family only). */
export function ipInRange(ip: string, range: IpRange): boolean {
  const c = canonicalIp(ip);
  if (!c || c.family !== range.family) return false;
  return mask(ipToBytes(c.text), range.prefix).equals(range.bytes);
}

function mask(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

function toText(bytes: Buffer, family: 4 | 6): string {
  if (family === 4) return [...bytes].join('.');
  const groups = bytes.toString('hex').match(/.{4}/g) ?? [];
  return canonicalIp(groups.join(':'))?.text ?? groups.join(':');
}
