/**
 * A certificate linter: RFC 5280 and the CA/Browser Forum Baseline Requirements, as far as they
 * apply to a private CA. Pure logic over DER bytes: it reads the certificate with our own DER
 * reader, so a certificate OpenSSL would refuse to parse still gets precise findings instead of
 * one opaque failure, and it checks the encoding itself (serial, times, BIT STRINGs), which a
 * parser that normalises would hide.
 *
 * Codes are stable; the prefix is the severity: `E_` errors (`assertLintClean` throws on them),
 * `W_` warnings (recommendations, and limits our service may lift on purpose, like validity
 * beyond 398 days).
 */
import { AppError } from '../errors/index.js';
import { DerError } from './der.js';
import { lintAuthorityKeyId, lintExtensionList, lintKeyExtensions } from './lintExtensions.js';
import { err, type LintFinding, type LintKind } from './lintFinding.js';
import { lintIssuer } from './lintIssuer.js';
import { lintNameFields, lintSubjectAltName } from './lintNames.js';
import { parseCertificate, type Parsed } from './certificateReader.js';
import { lintPublicKey, lintValidity, lintVersionSerialAlgorithm } from './lintStructure.js';

export type { LintFinding, LintKind } from './lintFinding.js';

export interface LintOptions {
  /** The issuing CA's certificate: enables the signature, AKI, name chaining and validity nesting checks. */
  issuerDer?: Buffer;
  /** The time expiry is judged at; defaults to the current time. */
  now?: Date;
  /** What the certificate is meant to be: the profile it is held to. */
  kind: LintKind;
  /** The caller verified the signature with the issuer's key just now (lib/ca issue(): verifyIssued): not verified twice. */
  signatureChecked?: boolean;
}

/**
 * Lints one DER certificate against the profile of its `kind`. Never throws for a bad
 * certificate: what cannot be read is the finding E_MALFORMED (or E_ISSUER_MALFORMED).
 */
export function lintCertificate(certDer: Buffer, opts: LintOptions): LintFinding[] {
  const out: LintFinding[] = [];
  const { kind } = opts;
  const now = opts.now ?? new Date();

  let c: Parsed;
  try {
    c = parseCertificate(certDer);
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    return [err('E_MALFORMED', `The certificate cannot be read: ${e.message}.`)];
  }

  // The checks in this order, which is the order of the findings.
  lintVersionSerialAlgorithm(c, out);
  const subject = lintNameFields(c, out);
  lintValidity(c, kind, now, out);
  const family = lintPublicKey(c, out);
  const exts = lintExtensionList(c, out);
  lintKeyExtensions(exts, kind, family, out);

  // Self-issued: the names chain to themselves (RFC 5280 3.2), byte for byte as our issuer check needs.
  const selfIssued = c.subject.equals(c.issuer);
  if (kind === 'root' && !selfIssued) out.push(err('E_ROOT_NOT_SELF_ISSUED', 'The root certificate\'s subject and issuer Names are not the same bytes.'));

  const aki = lintAuthorityKeyId(exts, kind, selfIssued, out);
  lintSubjectAltName(exts, kind, subject, out);
  lintIssuer(c, certDer, opts, { kind, selfIssued, aki, out });
  return out;
}

/** Throws LINT_FAILED (422) naming every error code; warnings alone pass. */
export function assertLintClean(findings: readonly LintFinding[]): void {
  const errors = findings.filter((f) => f.severity === 'error');
  if (!errors.length) return;
  const codes = [...new Set(errors.map((f) => f.code))];
  throw new AppError('LINT_FAILED', 422, `The certificate fails lint: ${codes.join(', ')}.`, { details: { codes, findings: errors } });
}
