import { badRequest } from '../errors/index.js';
import { sequence, tlv } from './derWriter.js';
import { canonicalDnsName, canonicalEmail, canonicalIp, commonNameAsSan, ipToBytes, maskAddress, netmask, type Refuse, type San } from './san.js';

/**
 * Name constraints of an intermediate CA (RFC 5280 4.2.1.10) for the name types the service
 * issues: DNS names, IP ranges and e-mail addresses. Encoded into the CA certificate, and enforced
 * at issuance (a relying party that ignores the extension still gets no out-of-bounds name).
 */
export interface NameConstraints {
  permittedDns?: string[];
  excludedDns?: string[];
  /** CIDR ranges: "10.0.0.0/8", "2001:db8::/32". */
  permittedIp?: string[];
  excludedIp?: string[];
  /** "user@example.org" (one mailbox), "example.org" (that host), ".example.org" (any host under it). */
  permittedEmail?: string[];
  excludedEmail?: string[];
}

export const isEmptyConstraints = (c: NameConstraints) => Object.values(c).every((v) => !v || v.length === 0);

function cidr(range: string): { addr: Buffer; prefix: number } {
  const refuse = () => badRequest('NAME_CONSTRAINT_INVALID', `"${range}" is not a CIDR range such as 10.0.0.0/8.`, { value: range });
  const m = /^([^/]+)\/(\d{1,3})$/.exec(range.trim());
  if (!m) throw refuse();
  const { family, bytes } = canonicalIp(m[1], refuse, { asName: false });
  const prefix = Number(m[2]);
  if (prefix > (family === 4 ? 32 : 128)) throw refuse();
  return { addr: bytes, prefix };
}

const ipSubtree = (range: string) => {
  const { addr, prefix } = cidr(range);
  return Buffer.concat([maskAddress(addr, prefix), netmask(addr.length, prefix)]);
};

/** "example.org" (that name and any under it) or ".example.org" (only names under it), canonical, no wildcard. */
function domainBase(value: string, refuse: Refuse): string {
  const under = value.startsWith('.');
  return `${under ? '.' : ''}${canonicalDnsName(under ? value.slice(1) : value, refuse, { wildcard: false })}`;
}

const dnsBase = (name: string) =>
  domainBase(name.trim(), (why) => badRequest('NAME_CONSTRAINT_INVALID', `"${name}" is not a DNS name constraint such as example.org or .example.org: ${why}.`, { value: name }));

/**
 * An rfc822Name constraint (RFC 5280 4.2.1.10): a mailbox "user@example.org", every address at a
 * host "example.org", or at any host under a domain ".example.org"; canonical and lower case
 * (addresses are matched without regard to case).
 */
const emailBase = (value: string) => {
  const refuse = (why: string) =>
    badRequest('NAME_CONSTRAINT_INVALID', `"${value}" is not an email name constraint such as user@example.org, example.org or .example.org: ${why}.`, { value });
  const e = value.trim();
  return e.includes('@') ? canonicalEmail(e, refuse).toLowerCase() : domainBase(e, refuse);
};

/** GeneralSubtrees for one side (permitted or excluded). */
function subtrees(dns: string[] = [], ips: string[] = [], emails: string[] = []): Buffer[] {
  return [
    ...dns.map((d) => sequence(tlv(0x82, Buffer.from(dnsBase(d), 'ascii')))),
    ...ips.map((r) => sequence(tlv(0x87, ipSubtree(r)))),
    ...emails.map((e) => sequence(tlv(0x81, Buffer.from(emailBase(e), 'ascii')))),
  ];
}

/** The extension value (NameConstraints SEQUENCE), for a critical 2.5.29.30 extension. */
export function encodeNameConstraints(c: NameConstraints): Buffer {
  const permitted = subtrees(c.permittedDns, c.permittedIp, c.permittedEmail);
  const excluded = subtrees(c.excludedDns, c.excludedIp, c.excludedEmail);
  return sequence(...(permitted.length ? [tlv(0xa0, ...permitted)] : []), ...(excluded.length ? [tlv(0xa1, ...excluded)] : []));
}

/** Validates and normalises constraints as a user sends them (400 on a bad entry). */
export function normaliseNameConstraints(c: NameConstraints): NameConstraints {
  const out: NameConstraints = {};
  if (c.permittedDns?.length) out.permittedDns = c.permittedDns.map(dnsBase);
  if (c.excludedDns?.length) out.excludedDns = c.excludedDns.map(dnsBase);
  for (const k of ['permittedIp', 'excludedIp'] as const) if (c[k]?.length) out[k] = c[k]!.map((r) => (cidr(r), r.trim()));
  for (const k of ['permittedEmail', 'excludedEmail'] as const) if (c[k]?.length) out[k] = c[k]!.map(emailBase);
  return out;
}

/** `name` is `domain` or has labels added on its left. */
const inSubtree = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

/**
 * RFC 5280: a constraint "example.org" matches that name and any with labels added on the left,
 * ".example.org" only those with labels added. A wildcard "*.P" stands for names under P: it is
 * permitted only when all of them are, i.e. when P is within the base ("*.apps.example.org" under
 * "apps.example.org", not under "x.apps.example.org").
 */
function dnsPermits(name: string, base: string): boolean {
  if (name.startsWith('*.')) return inSubtree(name.slice(2), base.replace(/^\./, ''));
  return base.startsWith('.') ? name.endsWith(base) : inSubtree(name, base);
}

/**
 * A wildcard "*.P" is excluded when any name it stands for could be: the base is at or above P,
 * or lies anywhere under it ("vault.corp.example" under "*.corp.example"; clients differ on how
 * many labels a "*" covers, so deeper excluded names count too).
 */
function dnsExcludes(name: string, base: string): boolean {
  if (!name.startsWith('*.')) return dnsPermits(name, base);
  const parent = name.slice(2);
  const b = base.replace(/^\./, '');
  return inSubtree(parent, b) || inSubtree(b, parent);
}

function ipWithin(ip: string, range: string): boolean {
  const { addr, prefix } = cidr(range);
  const bytes = ipToBytes(ip);
  if (bytes.length !== addr.length) return false;
  return maskAddress(bytes, prefix).equals(maskAddress(addr, prefix));
}

function emailWithin(address: string, base: string): boolean {
  const a = address.toLowerCase();
  if (base.includes('@')) return a === base;
  const host = a.slice(a.lastIndexOf('@') + 1);
  return base.startsWith('.') ? host.endsWith(base) : host === base;
}

/**
 * Throws NAME_CONSTRAINT_VIOLATION (400) for the first name outside any of the constraint sets:
 * one per CA of the chain, each applied on its own as RFC 5280 path validation does. The subject
 * CN counts when it is written like a DNS name, IP or email (commonNameKind, as the profile
 * checker reads it): clients that still read CNs would trust it. Free text is no name to constrain.
 */
export function checkNameConstraints(sans: readonly San[], sets: readonly NameConstraints[], commonName?: string): void {
  const cn = commonName === undefined || !sets.length ? undefined : commonNameAsSan(commonName);
  const names = [...sans.map((san) => ({ san, label: '', field: {} })), ...(cn ? [{ san: cn, label: 'CN ', field: { field: 'CN' } }] : [])];
  for (const c of sets) {
    for (const { san, label, field } of names) {
      const [permitted, excluded, permits, excludes] =
        san.type === 'dns'
          ? [c.permittedDns, c.excludedDns, dnsPermits, dnsExcludes]
          : san.type === 'ip'
            ? [c.permittedIp, c.excludedIp, ipWithin, ipWithin]
            : [c.permittedEmail, c.excludedEmail, emailWithin, emailWithin];
      const hit = excluded?.find((b) => excludes(san.value, b));
      if (hit) throw badRequest('NAME_CONSTRAINT_VIOLATION', `${label}"${san.value}" is excluded by the CA's name constraint "${hit}".`, { name: san.value, constraint: hit, ...field });
      if (permitted?.length && !permitted.some((b) => permits(san.value, b))) {
        throw badRequest('NAME_CONSTRAINT_VIOLATION', `${label}"${san.value}" is outside the CA's permitted names (${permitted.join(', ')}).`, { name: san.value, ...field });
      }
    }
  }
}
