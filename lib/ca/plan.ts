import type { IssuanceDecision } from '../ra/index.js';
import type { CaRecord } from '../store/index.js';
import { encodeName, type KeyType, type LintKind } from '../x509/index.js';
import type { CertificatePlan } from './types.js';

/** A leaf exactly as the RA decided it, for the key `spkiDer` (the CSR's, or the one the worker made). */
export function leafPlan(d: IssuanceDecision, spkiDer: Buffer, opts: { csrPem?: string; revocation?: { crlUrl: string; ocspUrl: string } } = {}): CertificatePlan {
  return {
    kind: 'leaf',
    subjectDer: encodeName(d.subject),
    subject: d.subject,
    spkiDer,
    subjectKeyType: d.keyType,
    notBefore: d.notBefore,
    notAfter: d.notAfter,
    sans: d.sans,
    keyUsage: d.keyUsages,
    extKeyUsage: d.extKeyUsages,
    ...(opts.revocation ? { revocation: opts.revocation } : {}),
    ...(opts.csrPem ? { csrPem: opts.csrPem } : {}),
  };
}

/** CA certificates start a minute early, like leaves under the default profile, for slow clocks. */
export const CA_BACKDATE_SECONDS = 60;

/**
 * A CA certificate for the CA record's name, path length and name constraints, valid for its
 * `validityDays` from now (less the backdate), never beyond `issuerNotAfter`.
 */
export function caPlan(ca: Pick<CaRecord, 'subject' | 'subjectDerBase64' | 'validityDays' | 'pathLen' | 'nameConstraints' | 'keyType'>, spkiDer: Buffer, kind: Exclude<LintKind, 'leaf'>, now: Date, issuerNotAfter?: Date): CertificatePlan {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - CA_BACKDATE_SECONDS * 1000);
  const end = notBefore.getTime() + ca.validityDays * 86_400_000;
  return {
    kind,
    subjectDer: ca.subjectDerBase64 ? Buffer.from(ca.subjectDerBase64, 'base64') : encodeName(ca.subject),
    spkiDer,
    subjectKeyType: ca.keyType as KeyType,
    notBefore,
    notAfter: new Date(issuerNotAfter ? Math.min(end, Math.floor(issuerNotAfter.getTime() / 1000) * 1000) : end),
    pathLen: ca.pathLen,
    nameConstraints: ca.nameConstraints,
  };
}
