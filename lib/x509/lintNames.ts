/** Lint of a certificate's names: the issuer and subject Names, and subjectAltName with its dNSNames. */
import { isIP } from 'node:net';
import { isValidALabel } from './aLabel.js';
import { children, readTlv } from './der.js';
import type { Extensions } from './lintExtensions.js';
import { err, warn, type LintFinding, type LintKind } from './lintFinding.js';
import type { Parsed } from './certificateReader.js';
import { extKeyUsages, generalNames } from './extensionReaders.js';
import { decodeName } from './name.js';
import { OID } from './oids.js';
import { ipToBytes } from './san.js';

const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Problems of a dNSName (RFC 5280 4.2.1.6 preferred name syntax, BR 7.1.4.2): LDH labels, IDNs as
 * valid A-labels, lower case (the form our service issues), '*' only as the whole leftmost label.
 */
function dnsNameFindings(raw: Buffer): LintFinding[] {
  const name = raw.toString('latin1');
  const shown = JSON.stringify(name);
  if (!name.trim()) return [err('E_SAN_DNS_EMPTY', 'A dNSName in subjectAltName is empty or blank (RFC 5280 4.2.1.6).')];
  if (/[^\x21-\x7e]/.test(name)) return [err('E_SAN_DNS_INVALID', `dNSName ${shown} has characters outside printable ASCII: IDNs must be A-labels.`)];
  const out: LintFinding[] = [];
  if (name !== name.toLowerCase()) out.push(warn('W_SAN_DNS_UPPERCASE', `dNSName ${shown} is not in lower case.`));
  const labels = name.toLowerCase().split('.');
  if (name.length > 253) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} is longer than 253 characters.`));
  labels.forEach((label, i) => {
    if (label.includes('*')) {
      if (i !== 0 || label !== '*') out.push(err('E_SAN_DNS_WILDCARD', `dNSName ${shown}: a wildcard is only allowed as the whole leftmost label.`));
      else if (labels.length < 3) out.push(err('E_SAN_DNS_WILDCARD', `dNSName ${shown}: a wildcard needs at least two labels after it.`));
      return;
    }
    if (!label) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} has an empty label${i === labels.length - 1 ? ' (a trailing dot)' : ''}.`));
    else if (label.length > 63) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown} has a label longer than 63 characters.`));
    else if (!LDH_LABEL.test(label)) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown}: label "${label}" is not letters, digits and inner hyphens.`));
    // An A-label must decode (Punycode, IDNA) and encode back to itself.
    else if (label.startsWith('xn--') && !isValidALabel(label)) out.push(err('E_SAN_DNS_INVALID', `dNSName ${shown}: label "${label}" is not a valid A-label.`));
  });
  return out;
}

/** The common names of a Name; undefined if the Name cannot be decoded. */
function commonNames(nameDer: Buffer): string[] | undefined {
  try {
    return decodeName(nameDer)
      .filter((a) => a.type === 'CN')
      .map((a) => a.value);
  } catch {
    return undefined;
  }
}

/** RDNs in a Name; undefined if its structure does not read. */
function rdnCount(nameDer: Buffer): number | undefined {
  try {
    return children(nameDer, readTlv(nameDer, 0)).length;
  } catch {
    return undefined;
  }
}

/**
 * The issuer and subject Names must decode, the issuer must not be empty, and no unique
 * identifiers (RFC 5280 4.1.2.4, 4.1.2.8). Gives what the subjectAltName checks need of the subject.
 */
export function lintNameFields(c: Parsed, out: LintFinding[]): { subjectRdns: number | undefined; subjectCns: string[] | undefined } {
  // undefined: a Name that cannot be read (E_NAME_MALFORMED), so whether it is empty is not judged.
  const issuerRdns = rdnCount(c.issuer);
  const subjectRdns = rdnCount(c.subject);
  const subjectCns = commonNames(c.subject);
  if (issuerRdns === undefined || !commonNames(c.issuer)) out.push(err('E_NAME_MALFORMED', 'The issuer Name cannot be decoded.'));
  if (subjectRdns === undefined || !subjectCns) out.push(err('E_NAME_MALFORMED', 'The subject Name cannot be decoded.'));
  if (issuerRdns === 0) out.push(err('E_ISSUER_EMPTY', 'The issuer Name is empty (RFC 5280 4.1.2.4).'));
  if (c.uniqueIds) out.push(err('E_UNIQUE_IDENTIFIER_PRESENT', 'The certificate has issuerUniqueID or subjectUniqueID, which conforming CAs must not generate (RFC 5280 4.1.2.8).'));
  return { subjectRdns, subjectCns };
}

/** The extendedKeyUsage OIDs, or undefined if absent or malformed (lintKeyUsages reports that). */
function ekuQuietly(exts: Extensions): string[] | undefined {
  const ext = exts.get(OID.extKeyUsage);
  try {
    return ext ? extKeyUsages(ext.value) : undefined;
  } catch {
    return undefined;
  }
}

/** subjectAltName (RFC 5280 4.2.1.6, BR 7.1.2.7.12, BR 7.1.4.3 for the common name). */
export function lintSubjectAltName(exts: Extensions, kind: LintKind, subject: { subjectRdns: number | undefined; subjectCns: string[] | undefined }, out: LintFinding[]): void {
  const { subjectRdns, subjectCns } = subject;
  const sanExt = exts.get(OID.subjectAltName);
  const sans = exts.read(sanExt, 'subjectAltName', generalNames);
  if (subjectRdns === 0 && !sanExt?.critical) out.push(err('E_SUBJECT_EMPTY_WITHOUT_CRITICAL_SAN', 'The subject is empty, so subjectAltName must be present and critical (RFC 5280 4.1.2.6).'));
  if (subjectRdns && sanExt?.critical) out.push(warn('W_SAN_CRITICAL_WITH_SUBJECT', 'subjectAltName is critical although the subject is not empty (RFC 5280 4.2.1.6: should not be).'));
  // A server is matched by its names, only there; a client-only certificate (a Keystone user's, by
  // CN and UID) is identified by its subject, which RFC 5280 allows without subjectAltName.
  const ekus = ekuQuietly(exts);
  const clientOnly = ekus !== undefined && ekus.length > 0 && !ekus.includes(OID.serverAuth) && ekus.includes(OID.clientAuth) && !!subjectRdns;
  if (kind === 'leaf' && !sanExt && !clientOnly) out.push(err('E_SAN_MISSING', 'The leaf certificate has no subjectAltName: clients match names only there.'));
  if (sans) {
    if (!sans.length) out.push(err('E_SAN_EMPTY', 'subjectAltName holds no names (SIZE (1..MAX)).'));
    for (const gn of sans) {
      if (gn.tag === 0x82) out.push(...dnsNameFindings(gn.value));
      else if (gn.tag === 0x87 && gn.value.length !== 4 && gn.value.length !== 16) out.push(err('E_SAN_IP_LENGTH', `An iPAddress name has ${gn.value.length} octets; it must have 4 (IPv4) or 16 (IPv6).`));
      else if (gn.tag === 0x81 && !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(gn.value.toString('latin1'))) out.push(err('E_SAN_EMAIL_INVALID', `rfc822Name ${JSON.stringify(gn.value.toString('latin1'))} is not an ASCII mailbox.`));
    }
    // BR 7.1.4.3: a common name, if any, repeats one of the names.
    if (kind === 'leaf' && subjectCns) {
      const dns = new Set(sans.filter((g) => g.tag === 0x82).map((g) => g.value.toString('latin1').toLowerCase()));
      const ips = sans.filter((g) => g.tag === 0x87).map((g) => g.value);
      for (const cn of subjectCns) {
        const inSan = isIP(cn) ? ips.some((ip) => ip.equals(ipToBytes(cn))) : dns.has(cn.toLowerCase());
        if (!inSan) out.push(warn('W_SUBJECT_CN_NOT_IN_SAN', `The common name ${JSON.stringify(cn)} is not one of the subjectAltName entries (BR 7.1.4.3).`));
      }
    }
  }
}
