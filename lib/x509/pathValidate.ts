/**
 * Validation of a built path (pathBuild.ts) for an uploaded external CA certificate: every
 * certificate valid at `now`, the issuers CAs allowed to sign certificates, path length and name
 * constraints holding, no critical extension we do not process. Links are numbered along the path
 * from the uploaded certificate (1) to the root (n): an error names the certificate at fault,
 * `details: { link, subject }`.
 */
import { AppError, badRequest } from '../errors/index.js';
import type { Cert } from './certificateReader.js';
import { KU } from './extensionReaders.js';
import { checkNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';
import { OID } from './oids.js';

/** What a valid path tells about the new CA (see VerifiedChain in path.ts). */
export interface PathFacts {
  /**
   * How many non-self-issued intermediate CAs may still follow the new CA (the least over the
   * path, its own pathLenConstraint included); undefined when nothing limits it. 0: leaves only.
   * A sub-CA the new CA issues must then carry a pathLen of at most this value minus 1.
   */
  pathLenConstraint?: number;
  /** Name constraints of every CA of the path that has any, root first, the new CA's own last. */
  nameConstraints: NameConstraints[];
  /** Validity of the uploaded certificate. */
  notBefore: Date;
  notAfter: Date;
  /** The earliest notAfter of the whole path: nothing the new CA issues verifies beyond it. */
  pathNotAfter: Date;
  /** The subject Name of the uploaded certificate, byte for byte: the issuer Name of what the CA issues. */
  subjectDer: Buffer;
  subject: string;
  /** Its subjectKeyIdentifier extension, if any: the authorityKeyIdentifier of what the CA issues. */
  subjectKeyId?: Buffer;
}

export const q = (c: Cert) => `"${c.subject}"`;

export const invalid = (link: number, c: Cert, what: string) => badRequest('CHAIN_INVALID', `link ${link}: ${q(c)} ${what}`, { link, subject: c.subject });

/** What the new CA's own certificate must allow. */
const OWN_USAGES: Array<[number, string]> = [
  [KU.keyCertSign, 'keyCertSign'],
  [KU.cRLSign, 'cRLSign'],
];

/** Extensions this verification processes (or, for extKeyUsage, understands): others may not be critical. */
const PROCESSED_EXTENSIONS = new Set<string>([OID.basicConstraints, OID.keyUsage, OID.nameConstraints, OID.subjectAltName, OID.subjectKeyIdentifier, OID.authorityKeyIdentifier, OID.extKeyUsage]);

/** MD2, MD5 and SHA-1 signatures can be forged by collision. */
const WEAK_SIGNATURES = new Set(['1.2.840.113549.1.1.2', '1.2.840.113549.1.1.4', '1.2.840.113549.1.1.5', '1.2.840.10045.4.1', '1.2.840.10040.4.3']);

function toNameConstraints(nc: NonNullable<Cert['nameConstraints']>): NameConstraints {
  const out: NameConstraints = {};
  if (nc.permitted.dns.length) out.permittedDns = nc.permitted.dns;
  if (nc.excluded.dns.length) out.excludedDns = nc.excluded.dns;
  if (nc.permitted.ip.length) out.permittedIp = nc.permitted.ip;
  if (nc.excluded.ip.length) out.excludedIp = nc.excluded.ip;
  if (nc.permitted.email.length) out.permittedEmail = nc.permitted.email;
  if (nc.excluded.email.length) out.excludedEmail = nc.excluded.email;
  return out;
}

export function validatePath(path: Cert[], now: Date): PathFacts {
  const t = now.getTime();
  const n = path.length;
  // Per certificate, from the uploaded one (link 1) up to the root (link n).
  for (let i = 0; i < n; i++) {
    const c = path[i];
    const link = i + 1;
    if (c.problem) throw invalid(link, c, `cannot be used: ${c.problem}.`);
    for (const [extOid, e] of c.extensions) {
      if (e.critical && !PROCESSED_EXTENSIONS.has(extOid)) throw invalid(link, c, `has the critical extension ${extOid}, which this service does not process.`);
    }
    if (c.notAfter.getTime() < t) throw invalid(link, c, `expired at ${c.notAfter.toISOString()}.`);
    if (c.notBefore.getTime() > t) throw invalid(link, c, `is not valid before ${c.notBefore.toISOString()}.`);
    // Every certificate of the path signs certificates: the issuers, and the new CA itself.
    const bc = c.basicConstraints;
    if (!bc || !bc.ca) throw invalid(link, c, `is not a CA (${bc ? 'basicConstraints cA false' : 'no basicConstraints extension'}).`);
    if (i === 0 ? !c.keyUsage?.has(KU.keyCertSign) : c.keyUsage && !c.keyUsage.has(KU.keyCertSign)) {
      throw invalid(link, c, `may not sign certificates (${c.keyUsage ? 'keyUsage lacks keyCertSign' : 'no keyUsage extension'}).`);
    }
    if (i < n - 1) {
      if (!c.algorithmsAgree) throw invalid(link, c, 'names different signature algorithms inside and outside its signed part.');
      if (WEAK_SIGNATURES.has(c.signatureOid)) throw invalid(link, c, `is signed with a broken algorithm (${c.signatureOid}, MD5 or SHA-1).`);
    }
  }

  // The new CA signs its own CRLs: without cRLSign, `openssl verify -crl_check` refuses every one of them.
  const missing = OWN_USAGES.filter(([bit]) => !path[0].keyUsage?.has(bit)).map(([, name]) => name);
  if (missing.length) {
    throw badRequest(
      'CA_CERTIFICATE_KEY_USAGE',
      `The certificate ${q(path[0])} has a keyUsage that lacks ${missing.join(' and ')}: this CA signs certificates and CRLs, so ask the external CA to issue it with keyUsage keyCertSign, cRLSign.`,
      { subject: path[0].subject, missing },
    );
  }

  // pathLenConstraint (RFC 5280 6.1.4 (l), (m)): the non-self-issued CA certificates below a CA,
  // the new CA included (what it issues are leaves or further CAs), must not exceed its limit.
  let remaining = path[0].basicConstraints!.pathLen ?? Infinity;
  let below = 0;
  for (let j = 1; j < n; j++) {
    if (!path[j - 1].selfIssued) below++;
    const limit = path[j].basicConstraints!.pathLen;
    if (limit === undefined) continue;
    if (below > limit) {
      throw invalid(j + 1, path[j], `has pathLenConstraint ${limit}, yet ${below} CA certificate${below === 1 ? '' : 's'} would follow it (the new CA included).`);
    }
    remaining = Math.min(remaining, limit - below);
  }

  // Name constraints of every issuer apply to the SANs of every certificate below it (RFC 5280
  // 6.1.3 (b); self-issued intermediates are exempt, the uploaded certificate never is).
  const sets: NameConstraints[] = [];
  for (let j = n - 1; j >= 0; j--) {
    const nc = path[j].nameConstraints && toNameConstraints(path[j].nameConstraints!);
    if (!nc || isEmptyConstraints(nc)) continue;
    sets.push(nc);
    for (let i = j - 1; i >= 0; i--) {
      if (i > 0 && path[i].selfIssued) continue;
      try {
        checkNameConstraints(path[i].sans, [nc]);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        throw badRequest('CHAIN_INVALID', `link ${i + 1}: ${q(path[i])} violates the name constraints of link ${j + 1}, ${q(path[j])}: ${e.message}`, { link: i + 1, subject: path[i].subject, constrainedBy: j + 1 });
      }
    }
  }

  const own = path[0];
  return {
    pathLenConstraint: Number.isFinite(remaining) ? remaining : undefined,
    nameConstraints: sets,
    notBefore: own.notBefore,
    notAfter: own.notAfter,
    pathNotAfter: new Date(Math.min(...path.map((c) => c.notAfter.getTime()))),
    subjectDer: own.subjectDer,
    subject: own.subject,
    subjectKeyId: own.subjectKeyId,
  };
}
