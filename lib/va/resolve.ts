/**
 * The VA's own name resolution. It resolves, filters, and then connects to the address it checked,
 * so no library gets to resolve the name a second time (a second answer could be a private address).
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { refusedAddress } from './addresses.js';
import { ValidationFailure, type ValidationRecord, type ValidationSettings } from './types.js';

export interface Dns {
  resolver: Resolver;
  /** The servers asked, for the validation records. */
  servers: string[];
}

export function makeResolver(settings: ValidationSettings): Dns {
  // Two tries of half the budget each: one lost UDP packet should not fail a validation.
  const resolver = new Resolver({ timeout: Math.max(1, Math.ceil(settings.timeoutMs / 2)), tries: 2 });
  if (settings.resolver) resolver.setServers([settings.resolver]);
  return { resolver, servers: resolver.getServers() };
}

const codeOf = (err: unknown): string => (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : 'EUNKNOWN');

/** NXDOMAIN and "no such record" are answers; anything else (SERVFAIL, timeouts, refusals) may pass. */
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

export function dnsFailure(err: unknown, rrType: string, name: string): ValidationFailure {
  const code = codeOf(err);
  const what: Record<string, string> = {
    ENOTFOUND: 'NXDOMAIN',
    ENODATA: 'no records',
    ESERVFAIL: 'SERVFAIL',
    ETIMEOUT: 'timeout',
    ECONNREFUSED: 'the DNS server refused the connection',
    EREFUSED: 'the query was refused',
  };
  return new ValidationFailure('dns', `DNS problem: ${what[code] ?? code} looking up ${rrType} for ${name}`, !NOT_FOUND.has(code));
}

export interface Target {
  hostname: string;
  /** Allowed addresses in the order to try: the first IPv6 then the first IPv4, as Boulder does. */
  candidates: string[];
}

/**
 * The addresses to connect to for `host` (a DNS name or an IP literal), refused ones left out;
 * what was resolved goes into `record` either way.
 * Throws a ValidationFailure: `dns` when the name has no A or AAAA record, `connection` when every
 * address it has is one the VA must not reach.
 */
export async function resolveTarget(host: string, dns: Dns, settings: ValidationSettings, record: ValidationRecord): Promise<Target> {
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    const [v6, v4] = await Promise.allSettled([dns.resolver.resolve6(host), dns.resolver.resolve4(host)]);
    addresses = [...(v6.status === 'fulfilled' ? v6.value : []), ...(v4.status === 'fulfilled' ? v4.value : [])];
    if (!addresses.length) {
      const failures = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const transient = failures.find((e) => !NOT_FOUND.has(codeOf(e)));
      if (transient) throw dnsFailure(transient, 'A/AAAA', host);
      const nx = failures.some((e) => codeOf(e) === 'ENOTFOUND');
      throw new ValidationFailure('dns', `DNS problem: ${nx ? 'NXDOMAIN looking up A for' : 'no A or AAAA records found for'} ${host}`, false);
    }
  }
  record.addressesResolved = addresses;
  const allowed = addresses.filter((a) => !refusedAddress(a, settings.allowLoopback));
  if (!allowed.length) {
    const why = addresses.map((a) => `${a}: ${refusedAddress(a, settings.allowLoopback)}`).join('; ');
    // Not transient: the DNS data has to change first, and retrying would only probe the address again.
    throw new ValidationFailure('connection', `${host} has no address the validation authority may connect to (${why})`, false);
  }
  const v6 = allowed.find((a) => isIP(a) === 6);
  const v4 = allowed.find((a) => isIP(a) === 4);
  return { hostname: host, candidates: [v6, v4].filter((a): a is string => a !== undefined) };
}
