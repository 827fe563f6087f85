/**
 * Lint of a certificate's extensions: the list itself (duplicates, DER, unknown critical ones),
 * then basicConstraints, keyUsage, extKeyUsage, subjectKeyIdentifier and authorityKeyIdentifier.
 */
import { DerError } from './der.js';
import { err, warn, type LintFinding, type LintKind } from './lintFinding.js';
import type { Extension, Parsed } from './certificateReader.js';
import { authorityKeyId, basicConstraints, extKeyUsages, keyUsageBits, KU, subjectKeyId } from './extensionReaders.js';
import type { KeyFamily } from './lintStructure.js';
import { OID } from './oids.js';

/** Object identifiers only these checks need (the shared ones are in oids.ts). */
const X = { anyExtendedKeyUsage: '2.5.29.37.0' } as const;

/** Extensions of RFC 5280 (and AIA) that path validation is expected to understand when critical. */
const KNOWN_EXTENSIONS = new Set([
  OID.subjectAltName,
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  '2.5.29.9', // subjectDirectoryAttributes
  '2.5.29.18', // issuerAltName
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.46', // freshestCRL
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/**
 * A certificate's extensions by OID (the first of duplicates, which are reported separately). A
 * value that does not decode is reported once and its specific checks are skipped, not guessed.
 */
export class Extensions {
  private readonly byOid = new Map<string, Extension>();
  /** OIDs whose value did not decode: their specific checks are skipped, not guessed. */
  readonly malformed = new Set<string>();

  constructor(
    list: Extension[],
    private readonly out: LintFinding[],
  ) {
    for (const e of list) if (!this.byOid.has(e.oid)) this.byOid.set(e.oid, e);
  }

  get(extOid: string): Extension | undefined {
    return this.byOid.get(extOid);
  }

  /** The decoded value; undefined (with E_EXTENSION_MALFORMED) when it does not decode. */
  read<T>(ext: Extension | undefined, name: string, decode: (v: Buffer) => T): T | undefined {
    if (!ext) return undefined;
    try {
      return decode(ext.value);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      this.malformed.add(ext.oid);
      this.out.push(err('E_EXTENSION_MALFORMED', `The ${name} extension is malformed: ${e.message}.`));
      return undefined;
    }
  }
}

/** The extensions field and each extension's wrapper (RFC 5280 4.1, 4.2), then the extensions by OID. */
export function lintExtensionList(c: Parsed, out: LintFinding[]): Extensions {
  const list = c.extensions ?? [];
  if (c.extensions && !list.length) out.push(err('E_EXTENSIONS_EMPTY', 'The extensions field is present but empty (RFC 5280 4.1: SIZE (1..MAX)).'));
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.has(e.oid)) out.push(err('E_EXTENSION_DUPLICATE', `Extension ${e.oid} appears more than once (RFC 5280 4.2).`));
    seen.add(e.oid);
    if (e.problem) out.push(err('E_EXTENSION_MALFORMED', `Extension ${e.oid}: ${e.problem} (not DER).`));
    if (e.critical && !KNOWN_EXTENSIONS.has(e.oid)) out.push(warn('W_EXTENSION_UNKNOWN_CRITICAL', `Extension ${e.oid} is critical but not one relying parties are expected to process.`));
  }
  return new Extensions(list, out);
}

/** basicConstraints, keyUsage (with what the key's family may do), extKeyUsage and subjectKeyIdentifier. */
export function lintKeyExtensions(exts: Extensions, kind: LintKind, family: KeyFamily, out: LintFinding[]): void {
  const isCa = kind !== 'leaf';
  // basicConstraints (RFC 5280 4.2.1.9)
  const bcExt = exts.get(OID.basicConstraints);
  const bc = exts.read(bcExt, 'basicConstraints', basicConstraints);
  if (isCa) {
    if (!bcExt) out.push(err('E_BASIC_CONSTRAINTS_MISSING', 'A CA certificate has no basicConstraints extension.'));
    else {
      if (!bcExt.critical) out.push(err('E_BASIC_CONSTRAINTS_NOT_CRITICAL', 'basicConstraints of a CA certificate must be critical.'));
      if (bc && !bc.ca) out.push(err('E_BASIC_CONSTRAINTS_NOT_CA', 'basicConstraints of a CA certificate does not assert cA.'));
    }
  } else if (bc?.ca) out.push(err('E_BASIC_CONSTRAINTS_CA_IN_LEAF', 'A leaf certificate asserts cA in basicConstraints.'));

  // keyUsage (RFC 5280 4.2.1.3; RFC 3279, 8813, 8410 for what each key type may do)
  const kuExt = exts.get(OID.keyUsage);
  const ku = exts.read(kuExt, 'keyUsage', keyUsageBits);
  if (!kuExt) {
    if (isCa) out.push(err('E_KEY_USAGE_MISSING', 'A CA certificate has no keyUsage extension.'));
    else out.push(warn('W_KEY_USAGE_MISSING', 'The leaf certificate has no keyUsage extension.'));
  } else if (!kuExt.critical) out.push(warn('W_KEY_USAGE_NOT_CRITICAL', 'keyUsage should be critical.'));
  if (ku) {
    if (!ku.size) out.push(err('E_KEY_USAGE_EMPTY', 'keyUsage has no bit set (RFC 5280 4.2.1.3).'));
    if (isCa) {
      if (!ku.has(KU.keyCertSign)) out.push(err('E_KEY_USAGE_NO_KEY_CERT_SIGN', 'keyUsage of a CA certificate lacks keyCertSign.'));
      if (!ku.has(KU.cRLSign)) out.push(warn('W_KEY_USAGE_CA_NO_CRL_SIGN', 'keyUsage of a CA certificate lacks cRLSign (BR 7.1.2.10.7).'));
    } else {
      if (ku.has(KU.keyCertSign)) out.push(err('E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF', 'keyUsage of a leaf certificate asserts keyCertSign.'));
      if (ku.has(KU.cRLSign)) out.push(err('E_KEY_USAGE_CRL_SIGN_IN_LEAF', 'keyUsage of a leaf certificate asserts cRLSign.'));
    }
    if ((family === 'ec' || family === 'ed25519' || family === 'ed448') && (ku.has(KU.keyEncipherment) || ku.has(KU.dataEncipherment))) {
      out.push(err('E_KEY_USAGE_ENCIPHERMENT_NOT_RSA', `keyUsage asserts key or data encipherment for a${family === 'ec' ? 'n EC' : `n ${family}`} key, which cannot encrypt.`));
    }
    if ((family === 'rsa' || family === 'ed25519' || family === 'ed448') && ku.has(KU.keyAgreement)) {
      out.push(err('E_KEY_USAGE_KEY_AGREEMENT_NOT_EC', `keyUsage asserts keyAgreement for a${family === 'rsa' ? 'n RSA' : `n ${family}`} key, which cannot agree keys.`));
    }
  }
  if (bc?.pathLen !== undefined && (!bc.ca || !ku?.has(KU.keyCertSign))) {
    out.push(err('E_PATH_LEN_WITHOUT_KEY_CERT_SIGN', 'pathLenConstraint is set without cA and keyCertSign (RFC 5280 4.2.1.9).'));
  }

  // extKeyUsage (RFC 5280 4.2.1.12, BR 7.1.2.7.10)
  const ekuExt = exts.get(OID.extKeyUsage);
  const eku = exts.read(ekuExt, 'extKeyUsage', extKeyUsages);
  if (kind === 'leaf') {
    if (!ekuExt) out.push(warn('W_EXT_KEY_USAGE_MISSING', 'The leaf certificate has no extKeyUsage: it is good for any purpose.'));
    if (eku?.includes(X.anyExtendedKeyUsage)) out.push(warn('W_EXT_KEY_USAGE_ANY', 'The leaf certificate asserts anyExtendedKeyUsage.'));
  }

  // subjectKeyIdentifier (RFC 5280 4.2.1.2)
  const skiExt = exts.get(OID.subjectKeyIdentifier);
  exts.read(skiExt, 'subjectKeyIdentifier', subjectKeyId);
  if (!skiExt) {
    if (isCa) out.push(err('E_SKI_MISSING', 'A CA certificate has no subjectKeyIdentifier.'));
    else out.push(warn('W_SKI_MISSING', 'The leaf certificate has no subjectKeyIdentifier.'));
  } else if (skiExt.critical) out.push(err('E_SKI_CRITICAL', 'subjectKeyIdentifier must not be critical.'));
}

/** authorityKeyIdentifier (RFC 5280 4.2.1.1): keyIdentifier always, except that self-signed roots may omit the extension. Gives the keyIdentifier. */
export function lintAuthorityKeyId(exts: Extensions, kind: LintKind, selfIssued: boolean, out: LintFinding[]): Buffer | undefined {
  const akiExt = exts.get(OID.authorityKeyIdentifier);
  const aki = exts.read(akiExt, 'authorityKeyIdentifier', authorityKeyId);
  if (!akiExt) {
    if (!(kind === 'root' && selfIssued)) out.push(err('E_AKI_MISSING', 'The certificate has no authorityKeyIdentifier.'));
  } else {
    if (akiExt.critical) out.push(err('E_AKI_CRITICAL', 'authorityKeyIdentifier must not be critical.'));
    if (aki === undefined && !exts.malformed.has(OID.authorityKeyIdentifier)) out.push(err('E_AKI_KEY_ID_MISSING', 'authorityKeyIdentifier has no keyIdentifier.'));
  }
  return aki;
}
