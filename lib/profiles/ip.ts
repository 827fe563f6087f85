import { badRequest } from '../errors/index.js';
import { canonicalIp, ipFromBytes, maskAddress } from '../x509/san.js';

/**
 * `allowed_ip_ranges` entries. Address families never cross: an IPv4 range is matched by IPv4
 * names only (IPv4 written inside IPv6, "::ffff:10.0.0.1", is refused as a name anyway).
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

/**
 * "10.0.0.0/8", "2001:db8::/32"; a bare address is a single host (/32 or /128). Host bits must be
 * zero: "10.0.0.1/8" is more likely a typo than a wish for all of 10/8, so it is refused, not widened.
 */
export function parseIpRange(input: string): IpRange {
  const slash = input.indexOf('/');
  const addr = slash < 0 ? input : input.slice(0, slash);
  const ip = canonicalIp(addr, (why) => rangeInvalid(input, why), { asName: false });
  const max = ip.family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : input.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw rangeInvalid(input, `the prefix length must be 0 to ${max}`);
  const prefix = Number(prefixText);
  const network = maskAddress(ip.bytes, prefix);
  if (!network.equals(ip.bytes)) throw rangeInvalid(input, `bits are set after the first ${prefix}; did you mean ${ipFromBytes(network)}/${prefix}?`);
  return { family: ip.family, bytes: ip.bytes, prefix, value: `${ip.text}/${prefix}` };
}

export const normaliseIpRange = (input: string): string => parseIpRange(input).value;

/** Whether an address lies in a range (same family only). */
export function ipInRange(ip: string, range: IpRange): boolean {
  let c;
  try {
    c = canonicalIp(ip, (why) => new Error(why), { asName: false });
  } catch {
    return false;
  }
  return c.family === range.family && maskAddress(c.bytes, range.prefix).equals(range.bytes);
}
