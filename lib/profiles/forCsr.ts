import { decodeName, parseSans, type ParsedCsr } from '../x509/index.js';
import { checkIssuance, subjectFromAttributes, type IssuanceDecision } from './check.js';
import type { Profile } from './schema.js';

export interface CsrIssuance {
  csr: ParsedCsr;
  /** Every name the certificate is to carry ("DNS:x", "IP:x", "email:x"): requested and from the CSR. */
  sans: string[];
  ttlSeconds?: number;
  objectId?: string;
  mayExceedMaxTtl: boolean;
  now: Date;
}

/** A CSR-based request against a profile: the API's check, and the worker's same check again. */
export function checkCsrIssuance(profile: Profile, r: CsrIssuance): IssuanceDecision {
  return checkIssuance(profile, {
    keyType: r.csr.keyType,
    sans: parseSans(r.sans),
    subject: subjectFromAttributes(decodeName(r.csr.subjectDer)),
    ttlSeconds: r.ttlSeconds,
    objectId: r.objectId,
    mayExceedMaxTtl: r.mayExceedMaxTtl,
    now: r.now,
  });
}
