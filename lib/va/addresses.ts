/**
 * Which addresses the VA may connect to. A tenant names the host, so without this filter the VA
 * would be a way into whatever its network can reach (metadata services, the cloud's own APIs).
 * The ranges are IANA's special-purpose registries, as Boulder's and Pebble's VAs refuse them.
 */
import { BlockList, isIP } from 'node:net';
import { ipToBytes } from '../x509/index.js';

type Range = readonly [string, number, string];

const V4: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  // 240/4 holds 255.255.255.255, the limited broadcast address.
  ['240.0.0.0', 4, 'reserved or broadcast'],
];

const V6: readonly Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'local-use IPv4/IPv6 translation'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['3fff::', 20, 'documentation'],
  ['5f00::', 16, 'segment routing'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];

const lists = (ranges: readonly Range[], family: 'ipv4' | 'ipv6') =>
  ranges.map(([net, prefix, why]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, family);
    return { list, why, family };
  });

const RULES = [...lists(V4, 'ipv4'), ...lists(V6, 'ipv6')];

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The IPv4 address an IPv6 one carries and is delivered to: IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96). */
function embeddedIpv4(bytes: Buffer): string | undefined {
  const prefix = bytes.subarray(0, 12);
  const mapped = prefix.equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]));
  const nat64 = prefix.equals(Buffer.from([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]));
  return mapped || nat64 ? [...bytes.subarray(12)].join('.') : undefined;
}

/** Why the VA must not connect to `address` (undefined: it may). Not an IP at all is refused too. */
export function refusedAddress(address: string, allowLoopback: boolean): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(ipToBytes(address));
    if (v4) {
      const why = refusedAddress(v4, allowLoopback);
      return why && `${why} (as ${address})`;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allowLoopback && LOOPBACK.check(address, type)) return undefined;
  return RULES.find((r) => r.family === type && r.list.check(address, type))?.why;
}

/** The reverse-DNS name of an IP address (RFC 8738 6: the SNI of a tls-alpn-01 check for an IP identifier). */
export function reverseName(address: string): string {
  const bytes = ipToBytes(address);
  if (isIP(address) === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]);
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/** The host part of a URL or Host header: IPv6 literals in brackets (RFC 3986 3.2.2, RFC 8738 3). */
export const hostLiteral = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);
