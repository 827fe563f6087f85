/**
 * Lint of a certificate against its issuer: name chaining, AKI against SKI, the signature, the
 * issuer's right to issue, and validity nesting.
 */
import { createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { DerError } from './der.js';
import { err, warn, type LintFinding, type LintKind } from './lintFinding.js';
import { parseCertificate, type Extension, type Parsed } from './certificateReader.js';
import { basicConstraints, keyUsageBits, KU, subjectKeyId, type BasicConstraints } from './extensionReaders.js';
import { keyFamily, SIGNATURE_ALGORITHMS } from './lintStructure.js';
import { OID } from './oids.js';

/** What the checks of a certificate's issuer need from it, read once. */
interface IssuerFacts {
  parsed: Parsed;
  self: boolean;
  key?: KeyObject;
  ski?: Buffer;
  ca?: BasicConstraints;
  keyUsage?: Set<number>;
}

function issuerFacts(parsed: Parsed, self: boolean): IssuerFacts {
  const facts: IssuerFacts = { parsed, self };
  try {
    facts.key = createPublicKey({ key: parsed.spki, format: 'der', type: 'spki' });
  } catch {
    // Reported as the issuer's own E_PUBLIC_KEY_INVALID when it is linted.
  }
  const find = (o: string) => parsed.extensions?.find((e) => e.oid === o);
  const quiet = <T>(e: Extension | undefined, decode: (v: Buffer) => T) => {
    try {
      return e && decode(e.value);
    } catch {
      return undefined;
    }
  };
  facts.ski = quiet(find(OID.subjectKeyIdentifier), subjectKeyId);
  facts.ca = quiet(find(OID.basicConstraints), basicConstraints);
  facts.keyUsage = quiet(find(OID.keyUsage), keyUsageBits);
  return facts;
}

/** The last issuer read: a CA lints everything it signs against the same certificate, read once. */
let lastIssuer: { der: Buffer; facts: IssuerFacts } | undefined;

function factsOf(issuerDer: Buffer): IssuerFacts {
  if (lastIssuer?.der.equals(issuerDer)) return lastIssuer.facts;
  const facts = issuerFacts(parseCertificate(issuerDer), false);
  lastIssuer = { der: Buffer.from(issuerDer), facts };
  return facts;
}

/**
 * The checks against the issuer: `issuerDer` when given (E_ISSUER_MALFORMED if it does not read),
 * else a self-issued root's own certificate; none for a certificate with neither.
 */
export function lintIssuer(c: Parsed, certDer: Buffer, opts: { issuerDer?: Buffer; signatureChecked?: boolean }, ctx: { kind: LintKind; selfIssued: boolean; aki?: Buffer; out: LintFinding[] }): void {
  const { kind, selfIssued, aki, out } = ctx;
  let issuer: IssuerFacts | undefined;
  if (opts.issuerDer) {
    try {
      issuer = { ...factsOf(opts.issuerDer), self: opts.issuerDer.equals(certDer) };
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      out.push(err('E_ISSUER_MALFORMED', `The issuer certificate cannot be read: ${e.message}.`));
    }
  } else if (kind === 'root' && selfIssued) {
    // A root vouches for itself: its own key must verify it and its own SKI is its AKI.
    issuer = issuerFacts(c, true);
  }
  if (issuer) lintAgainstIssuer(c, issuer, { kind, aki, out, signatureChecked: !!opts.signatureChecked });
}

function lintAgainstIssuer(c: Parsed, issuer: IssuerFacts, ctx: { kind: LintKind; aki?: Buffer; out: LintFinding[]; signatureChecked: boolean }): void {
  const { out } = ctx;
  const i = issuer.parsed;
  if (!c.issuer.equals(i.subject)) out.push(err('E_ISSUER_NAME_MISMATCH', 'The issuer Name is not byte for byte the issuer certificate\'s subject (RFC 5280 4.1.2.6).'));
  if (ctx.aki && issuer.ski && !ctx.aki.equals(issuer.ski)) {
    out.push(err('E_AKI_MISMATCH', `authorityKeyIdentifier ${ctx.aki.toString('hex')} is not the issuer's subjectKeyIdentifier ${issuer.ski.toString('hex')}.`));
  }

  // The signature, over the exact TBS bytes (as csr.ts does), with a key of the family the algorithm names.
  const alg = SIGNATURE_ALGORITHMS[c.algorithmOid];
  if (!issuer.key) out.push(err('E_SIGNATURE_INVALID', 'The issuer public key cannot be read, so the signature cannot be verified.'));
  else if (alg && keyFamily(issuer.key) !== alg.key) out.push(err('E_SIGNATURE_INVALID', `The certificate claims ${alg.name}, which does not fit the issuer's ${issuer.key.asymmetricKeyType} key.`));
  else if (!ctx.signatureChecked) {
    let ok = false;
    try {
      ok = alg ? verify(alg.hash, c.tbsDer, issuer.key, c.signature) : new X509Certificate(c.der).verify(issuer.key);
    } catch {
      ok = false;
    }
    if (!ok) out.push(err('E_SIGNATURE_INVALID', 'The signature does not verify with the issuer\'s public key.'));
  }

  // A separate issuer must be a CA allowed to sign certificates (RFC 5280 6.1.4 (k), (n)); a root
  // linted against itself was judged above already.
  if (!issuer.self) {
    if (!issuer.ca?.ca) out.push(err('E_ISSUER_NOT_CA', 'The issuer certificate is not a CA (no basicConstraints cA).'));
    if (!issuer.keyUsage?.has(KU.keyCertSign)) out.push(err('E_ISSUER_NO_KEY_CERT_SIGN', 'The issuer certificate\'s keyUsage lacks keyCertSign.'));
    if (ctx.kind !== 'leaf' && issuer.ca?.pathLen === 0 && !c.subject.equals(c.issuer)) out.push(err('E_ISSUER_PATH_LEN_EXCEEDED', 'The issuer has pathLenConstraint 0 and cannot issue CA certificates.'));
  }

  const [nb, na, inb, ina] = [c.notBefore.date, c.notAfter.date, i.notBefore.date, i.notAfter.date];
  if (nb && na && inb && ina && (nb < inb || na > ina)) {
    out.push(warn('W_VALIDITY_OUTSIDE_ISSUER', `The validity (${nb.toISOString()} to ${na.toISOString()}) is not within the issuer's (${inb.toISOString()} to ${ina.toISOString()}).`));
  }
}
