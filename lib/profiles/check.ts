import { AppError, badRequest } from '../errors/index.js';
import { canonicalEmail, canonicalIp, commonNameKind, type ExtKeyUsageName, type KeyType, type San } from '../x509/index.js';
import type { NameAttribute } from '../x509/name.js';
import { ipInRange, parseIpRange, type IpRange } from './ip.js';
import { isWildcard, matchingRule, normaliseDnsName, parseDomainRule, type DomainRule } from './names.js';
import { SUBJECT_FIELDS, type EcCurve, type ExtKeyUsage, type KeyFamily, type KeyUsage, type Profile, type SubjectField } from './schema.js';

/**
 * Whether a certificate may be issued under a profile, and with what: pure, no clock of its own
 * (`now` comes in), every refusal a 400 AppError whose `details.rule` names the profile field that
 * refused it (for NAME_INVALID: 'syntax' or 'public_suffix', or 'allowed_domains' /
 * 'allowed_ip_ranges' for a malformed rule in the profile itself).
 */

export type SubjectFields = Partial<Record<SubjectField, string>>;

/** extendedKeyUsage names as lib/x509 spells them (the OID names). */
export type { ExtKeyUsageName };

export interface IssuanceRequest {
  keyType: KeyType;
  /** Every name the certificate would carry (requested and from the CSR), as lib/x509 parses them. */
  sans: readonly San[];
  /** The CSR subject by short name (see subjectFromAttributes). */
  subject: SubjectFields;
  /** Absent: the profile's default_ttl. Pass undefined when the user gave none, not a default of your own. */
  ttlSeconds?: number;
  /** A requested start earlier than `now` (backdating); absent: `now`. */
  notBefore?: Date;
  /** The id of the object the certificate is for (cn_must_be_object_id). */
  objectId?: string;
  /** The caller may go beyond max_ttl (e.g. an admin): then the decision says so instead of refusing. */
  mayExceedMaxTtl?: boolean;
  now: Date;
}

export interface IssuanceDecision {
  ok: true;
  ttlSeconds: number;
  notBefore: Date;
  /** `now` + ttl: backdating moves the start, never the end (as Vault's not_before_duration). */
  notAfter: Date;
  /** Only the fields in copy_subject_fields, values verbatim. */
  subject: SubjectFields;
  /** The names checked, canonical (lower case, A-labels, compressed IPv6) and without repeats. */
  sans: San[];
  keyUsages: KeyUsage[];
  extKeyUsages: ExtKeyUsageName[];
  /** Some name (SAN or CN) is a wildcard. */
  wildcard: boolean;
  /** ttlSeconds is longer than max_ttl, which mayExceedMaxTtl allowed. */
  ttlBeyondMax: boolean;
}

const EKU_NAMES: Record<ExtKeyUsage, ExtKeyUsageName> = {
  server_auth: 'serverAuth',
  client_auth: 'clientAuth',
  code_signing: 'codeSigning',
  email_protection: 'emailProtection',
};

/** What each key can do: keyEncipherment is RSA's (RFC 4055), keyAgreement ECDH's (RFC 5480), Ed25519 only signs (RFC 8410). */
const USAGES_FOR: Record<KeyFamily, readonly KeyUsage[]> = {
  RSA: ['digitalSignature', 'keyEncipherment'],
  EC: ['digitalSignature', 'keyAgreement'],
  Ed25519: ['digitalSignature'],
};

/** Without key_usages, what lib/x509 has always given a leaf: ECDHE suites need only signatures from EC keys. */
const DEFAULT_USAGES: Record<KeyFamily, readonly KeyUsage[]> = {
  RSA: ['digitalSignature', 'keyEncipherment'],
  EC: ['digitalSignature'],
  Ed25519: ['digitalSignature'],
};

function keyFacts(keyType: KeyType): { family: KeyFamily; bits?: number; curve?: EcCurve } {
  if (keyType === 'Ed25519') return { family: 'Ed25519' };
  if (keyType === 'EC-P256') return { family: 'EC', curve: 'P-256' };
  if (keyType === 'EC-P384') return { family: 'EC', curve: 'P-384' };
  return { family: 'RSA', bits: Number(keyType.slice(4)) };
}

/** "398 days", "12 hours", "90 s": for messages only. */
function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${seconds} s`;
}

const isSubjectField = (type: string): type is SubjectField => (SUBJECT_FIELDS as readonly string[]).includes(type);

/**
 * The CSR subject by short name, for IssuanceRequest.subject. A field given twice (two OUs) is
 * refused rather than reduced to one of its values; attributes we never copy (emailAddress, other
 * OIDs) are left out.
 */
export function subjectFromAttributes(attributes: readonly NameAttribute[]): SubjectFields {
  const out: SubjectFields = {};
  for (const { type: field, value } of attributes) {
    if (!isSubjectField(field)) continue;
    if (out[field] !== undefined) throw badRequest('SUBJECT_INVALID', `The CSR subject has ${field} more than once; give it once.`, { field });
    out[field] = value;
  }
  return out;
}

/** Throws the first rule the request breaks; otherwise the certificate's parameters. */
export function checkIssuance(profile: Profile, request: IssuanceRequest): IssuanceDecision {
  return new Checker(profile).check(request);
}

type Where = 'SAN' | 'CN';

class Checker {
  private readonly rules: DomainRule[];
  private readonly ranges?: IpRange[];
  /** 'profile "web"', for messages. */
  private readonly by: string;
  private readonly By: string;

  constructor(private readonly p: Profile) {
    this.rules = p.allowed_domains.map(parseDomainRule);
    this.ranges = p.allowed_ip_ranges?.map(parseIpRange);
    this.by = `profile "${p.name}"`;
    this.By = `Profile "${p.name}"`;
  }

  private refuse(code: string, rule: string, message: string, details: Record<string, unknown> = {}): AppError {
    return badRequest(code, message, { rule, profile: this.p.name, ...details });
  }

  check(req: IssuanceRequest): IssuanceDecision {
    const keyUsages = this.checkKey(req.keyType);
    let wildcard = false;
    const sans: San[] = [];
    const seen = new Set<string>();
    for (const san of req.sans) {
      const checked = this.checkSan(san, 'SAN');
      if (checked.type === 'dns' && isWildcard(checked.value)) wildcard = true;
      const k = `${checked.type}:${checked.value}`;
      if (!seen.has(k)) {
        seen.add(k);
        sans.push(checked);
      }
    }
    const subject = this.copySubject(req.subject);
    if (subject.CN !== undefined) {
      if (this.p.cn_must_be_object_id) this.checkObjectId(subject.CN, req.objectId);
      else if (this.checkCommonName(subject.CN)) wildcard = true;
    } else if (this.p.cn_must_be_object_id) {
      this.checkObjectId(undefined, req.objectId);
    }
    if (this.p.require_san && sans.length === 0) {
      throw this.refuse('PROFILE_SAN_REQUIRED', 'require_san', `${this.By} requires at least one subject alternative name (DNS, IP or email).`);
    }
    if (sans.length === 0 && Object.keys(subject).length === 0) {
      // RFC 5280 4.1.2.6: an empty subject needs names in subjectAltName; such a certificate would name nothing.
      throw this.refuse('PROFILE_SAN_REQUIRED', 'require_san', `The certificate would have no subject fields (copy_subject_fields of ${this.by}) and no subject alternative name; give at least one name.`);
    }
    const { ttlSeconds, ttlBeyondMax } = this.checkTtl(req.ttlSeconds, req.mayExceedMaxTtl ?? false);
    const now = req.now.getTime();
    const notBefore = this.checkNotBefore(req.notBefore, now);
    return {
      ok: true,
      ttlSeconds,
      notBefore,
      notAfter: new Date(now + ttlSeconds * 1000),
      subject,
      sans,
      keyUsages,
      extKeyUsages: this.p.ext_key_usages.map((e) => EKU_NAMES[e]),
      wildcard,
      ttlBeyondMax,
    };
  }

  private checkKey(keyType: KeyType): KeyUsage[] {
    const { family, bits, curve } = keyFacts(keyType);
    const notAllowed = (rule: string, why: string) =>
      this.refuse('PROFILE_KEY_NOT_ALLOWED', rule, `Key type ${keyType} is not allowed by ${this.by}: ${why}.`, { key_type: keyType });
    if (!this.p.key_types.includes(family)) throw notAllowed('key_types', `key_types are ${this.p.key_types.join(', ')}`);
    if (bits !== undefined && bits < this.p.min_rsa_bits) throw notAllowed('min_rsa_bits', `min_rsa_bits is ${this.p.min_rsa_bits}`);
    if (curve !== undefined && !this.p.allowed_ec_curves.includes(curve)) throw notAllowed('allowed_ec_curves', `allowed_ec_curves are ${this.p.allowed_ec_curves.join(', ')}`);
    if (!this.p.key_usages) return [...DEFAULT_USAGES[family]];
    // Usages a key cannot have are left out (keyEncipherment on an EC key is an RFC 5480 violation), not refused...
    const usages = this.p.key_usages.filter((u) => USAGES_FOR[family].includes(u));
    // ...unless nothing would be left.
    if (!usages.length) throw notAllowed('key_usages', `key_usages (${this.p.key_usages.join(', ')}) cannot be used with a ${family} key`);
    return usages;
  }

  private checkSan(san: San, where: Where): San {
    if (san.type === 'dns') return { type: 'dns', value: this.checkDns(san.value, where) };
    if (san.type === 'ip') return { type: 'ip', value: this.checkIp(san.value, where) };
    return { type: 'email', value: this.checkEmail(san.value, where) };
  }

  private domainsText(): string {
    return this.rules.length ? `allowed_domains are ${this.rules.map((r) => r.value).join(', ')}` : 'allowed_domains is empty';
  }

  /** Canonical name, or the first rule it breaks: syntax, wildcard, then allowed_domains. */
  private checkDns(value: string, where: Where): string {
    const name = normaliseDnsName(value);
    const label = where === 'CN' ? 'CN' : 'DNS name';
    const field = where === 'CN' ? { field: 'CN' } : {};
    if (isWildcard(name) && !this.p.allow_wildcard) {
      throw this.refuse('PROFILE_WILDCARD_NOT_ALLOWED', 'allow_wildcard', `${label} "${name}" is a wildcard, which ${this.by} does not allow (allow_wildcard is false).`, { name, ...field });
    }
    if (!this.p.allow_any_name && !matchingRule(name, this.rules)) {
      throw this.refuse('PROFILE_NAME_NOT_ALLOWED', 'allowed_domains', `${label} "${name}" is not allowed by ${this.by}: ${this.domainsText()}.`, { name, ...field });
    }
    return name;
  }

  private checkIp(value: string, where: Where): string {
    const ip = canonicalIp(value.replace(/^\[|\]$/g, ''), (why) => badRequest('NAME_INVALID', `"${value}" is not a valid IP address: ${why}.`, { rule: 'syntax', name: value }));
    const field = where === 'CN' ? { field: 'CN' } : {};
    const label = where === 'CN' ? 'CN' : 'IP address';
    if (!this.p.allow_ip_sans) {
      throw this.refuse('PROFILE_IP_NOT_ALLOWED', 'allow_ip_sans', `${label} "${ip.text}" is not allowed by ${this.by}: it allows no IP addresses (allow_ip_sans is false).`, { name: ip.text, ...field });
    }
    if (this.ranges && !this.ranges.some((r) => ipInRange(ip.text, r))) {
      throw this.refuse('PROFILE_IP_NOT_ALLOWED', 'allowed_ip_ranges', `${label} "${ip.text}" is not allowed by ${this.by}: allowed_ip_ranges are ${this.ranges.map((r) => r.value).join(', ')}.`, { name: ip.text, ...field });
    }
    return ip.text;
  }

  /** Email names are allowed as a kind, and their domain must pass allowed_domains like a DNS name (as in Vault). */
  private checkEmail(value: string, where: Where): string {
    const field = where === 'CN' ? { field: 'CN' } : {};
    const label = where === 'CN' ? 'CN' : 'Email address';
    if (!this.p.allow_email_sans) {
      throw this.refuse('PROFILE_EMAIL_NOT_ALLOWED', 'allow_email_sans', `${label} "${value}" is not allowed by ${this.by}: it allows no email addresses (allow_email_sans is false).`, { name: value, ...field });
    }
    const address = canonicalEmail(value, (why) => badRequest('NAME_INVALID', `"${value}" is not a valid email address: ${why}.`, { rule: 'syntax', name: value }));
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!this.p.allow_any_name && !matchingRule(domain, this.rules)) {
      throw this.refuse('PROFILE_EMAIL_NOT_ALLOWED', 'allowed_domains', `${label} "${address}" is not allowed by ${this.by}: its domain must be allowed and ${this.domainsText()}.`, { name: address, ...field });
    }
    return address;
  }

  private copySubject(subject: SubjectFields): SubjectFields {
    const out: SubjectFields = {};
    for (const f of this.p.copy_subject_fields) {
      const v = subject[f];
      if (v !== undefined && v !== '') out[f] = v;
    }
    return out;
  }

  /**
   * A copied CN is a name too: clients that still read it (no SAN support, or a SAN-less
   * certificate) would trust it, so it passes the same rules as the SAN of its kind (commonNameKind
   * says which; one written like a host name must be a valid one). A CN that is no DNS name, IP or
   * email ("Web frontend") is allowed only with allow_any_name. Returns whether it is a wildcard.
   */
  private checkCommonName(cn: string): boolean {
    const kind = commonNameKind(cn);
    if (kind === 'ip') this.checkIp(cn, 'CN');
    else if (kind === 'email') this.checkEmail(cn, 'CN');
    else if (kind === 'dns') return isWildcard(this.checkDns(cn, 'CN'));
    else if (!this.p.allow_any_name) {
      throw this.refuse(
        'PROFILE_NAME_NOT_ALLOWED',
        'allowed_domains',
        `CN "${cn}" is not a DNS name, so ${this.by} cannot allow it: ${this.domainsText()} and allow_any_name is false.`,
        { name: cn, field: 'CN' },
      );
    }
    return false;
  }

  /** The Octavia pattern: the certificate names the object it is for, byte for byte. */
  private checkObjectId(cn: string | undefined, objectId: string | undefined): void {
    if (!objectId) {
      throw this.refuse('PROFILE_CN_MISMATCH', 'cn_must_be_object_id', `${this.By} requires the CN to be the id of the object the certificate is for, and no object id was given.`);
    }
    if (cn !== objectId) {
      const got = cn === undefined ? 'no CN' : `CN "${cn}"`;
      throw this.refuse('PROFILE_CN_MISMATCH', 'cn_must_be_object_id', `The CSR has ${got}, but ${this.by} requires it to be the object id "${objectId}".`, { object_id: objectId });
    }
  }

  private checkTtl(requested: number | undefined, mayExceed: boolean): { ttlSeconds: number; ttlBeyondMax: boolean } {
    const ttlSeconds = requested ?? this.p.default_ttl;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
      throw this.refuse('PROFILE_TTL_INVALID', 'ttl', `A TTL must be a whole, positive number of seconds, not ${ttlSeconds}.`);
    }
    const ttlBeyondMax = ttlSeconds > this.p.max_ttl;
    if (ttlBeyondMax && !mayExceed) {
      throw this.refuse(
        'PROFILE_TTL_TOO_LONG',
        'max_ttl',
        `A TTL of ${duration(ttlSeconds)} is longer than ${this.by} allows: max_ttl is ${duration(this.p.max_ttl)} (${this.p.max_ttl} s).`,
        { ttl: ttlSeconds, max_ttl: this.p.max_ttl },
      );
    }
    return { ttlSeconds, ttlBeyondMax };
  }

  private checkNotBefore(requested: Date | undefined, now: number): Date {
    if (requested === undefined) return new Date(now);
    const at = requested.getTime();
    if (Number.isNaN(at) || at > now) {
      // Post-dating is not backdating: a certificate that is not yet valid is refused, not silently started now.
      throw this.refuse('PROFILE_NOT_BEFORE_INVALID', 'max_backdate', `not_before must be a valid time no later than now (${new Date(now).toISOString()}).`);
    }
    const backdate = (now - at) / 1000;
    if (backdate > this.p.max_backdate) {
      throw this.refuse(
        'PROFILE_BACKDATE_TOO_FAR',
        'max_backdate',
        `not_before ${requested.toISOString()} is ${duration(Math.ceil(backdate))} in the past; ${this.by} allows ${this.p.max_backdate ? `at most ${duration(this.p.max_backdate)}` : 'no backdating'} (max_backdate is ${this.p.max_backdate} s).`,
        { backdate_seconds: Math.ceil(backdate), max_backdate: this.p.max_backdate },
      );
    }
    return new Date(at);
  }
}
