import { conflict } from '../errors/index.js';
import { checkIssuance, profileFor, subjectFromAttributes, type ExtKeyUsageName, type KeyUsage, type Profile, type SubjectFields } from '../profiles/index.js';
import type { CaRecord, KeystoneUser } from '../store/index.js';
import { checkUserCertificate, checkUserCertificateCase, isUserCertificateCase } from './keystoneUser.js';
import { requestedSans } from '../requests/index.js';
import { checkNameConstraints, decodeName, parseSans, type KeyType, type NameConstraints, type ParsedCsr, type San, type SubjectInput } from '../x509/index.js';

/**
 * The registration authority: the one place that turns a request for a certificate into exactly
 * what will be signed, or a typed refusal. Pure: the CA, the profile and the clock come in. The API
 * calls it to answer at once, the worker calls it again on what the store holds before it signs,
 * and every later front end (ACME finalize, enrollment) calls it; nothing else decides.
 */

/** The questions a decision raises that only policy can answer (oslo.policy rules, decided by the API). */
export interface PolicyQuestions {
  /** Some name is a wildcard: `ca:certificates:create:wildcard`. */
  wildcard: boolean;
  /** The TTL is beyond the profile's max_ttl: `ca:certificates:create:ttl_over_max`. */
  ttlOverMax: boolean;
}

export interface IssuanceRequest {
  /** The requester's CSR (its key and subject); absent for a server-side key. */
  csr?: ParsedCsr;
  /** A key the worker makes: its type and the subject asked for. */
  serverSideKey?: { keyType: KeyType; subject: Partial<SubjectInput> };
  /** Names asked for besides the CSR's own ("DNS:x", "IP:x", "email:x" or bare). */
  sans: readonly string[];
  ttlSeconds?: number;
  objectId?: string;
  profile: string;
  /** A Keystone user certificate's user (from the enrollment): the subject is made from it. */
  keystoneUser?: KeystoneUser;
}

export interface IssuanceDecision {
  profile: string;
  /** Exactly the subject the certificate gets (only the profile's copy_subject_fields; a user certificate's CN and UID). */
  subject: SubjectFields & { UID?: string };
  /** Canonical names, in order, without repeats. */
  sans: San[];
  keyType: KeyType;
  /** The certified key (the CSR's); absent until the worker makes a server-side key. */
  spkiDer?: Buffer;
  keyUsages: KeyUsage[];
  extKeyUsages: ExtKeyUsageName[];
  ttlSeconds: number;
  /** Signing time less the profile's backdate; notAfter − notBefore is the TTL, clipped to the CA. */
  notBefore: Date;
  notAfter: Date;
  questions: PolicyQuestions;
}

/** The CA as issuance needs it: active, its validity, and the name constraints of its path. */
export interface IssuingCaFacts {
  id: string;
  status: CaRecord['status'];
  notAfter?: string;
  profiles?: CaRecord['profiles'];
  /** Every constraint set on the path from the root to this CA (the CA's own included). */
  constraintChain?: NameConstraints[];
  kind?: CaRecord['kind'];
  userCertificates?: CaRecord['userCertificates'];
}

export function decideIssuance(ca: IssuingCaFacts, request: IssuanceRequest, now: Date): IssuanceDecision {
  if (ca.status !== 'active' || !ca.notAfter) throw conflict('CA_NOT_ACTIVE', `CA ${ca.id} is ${ca.status}; wait for its job to succeed.`);
  const caNotAfter = Date.parse(ca.notAfter);
  if (caNotAfter <= now.getTime()) throw conflict('CA_EXPIRED', `CA ${ca.id} expired at ${ca.notAfter}.`);
  if (isUserCertificateCase(ca, request)) return decideUserCertificate(ca, request, now, caNotAfter);
  const profile = profileFor(ca.profiles, request.profile);
  const { keyType, subject } = request.csr
    ? { keyType: request.csr.keyType, subject: subjectFromAttributes(decodeName(request.csr.subjectDer)) }
    : { keyType: request.serverSideKey!.keyType, subject: { ...request.serverSideKey!.subject } as SubjectFields };
  const requested = parseSans(requestedSans([...request.sans], request.csr?.sans ?? []));
  // Beyond max_ttl is a policy question, not a bad request: it is raised, and answered by the caller.
  const checked = checkIssuance(profile, { keyType, sans: requested, subject, ttlSeconds: request.ttlSeconds, objectId: request.objectId, mayExceedMaxTtl: true, now });
  // The names of the CA's path, the CN included: a relying party never sees an out-of-bounds name.
  checkNameConstraints(checked.sans, ca.constraintChain ?? [], checked.subject.CN);
  return {
    profile: profile.name,
    subject: checked.subject,
    sans: checked.sans,
    keyType,
    ...(request.csr ? { spkiDer: request.csr.spkiDer } : {}),
    keyUsages: checked.keyUsages,
    extKeyUsages: checked.extKeyUsages,
    ttlSeconds: checked.ttlSeconds,
    ...validity(profile, checked.ttlSeconds, now, caNotAfter),
    questions: { wildcard: checked.wildcard, ttlOverMax: checked.ttlBeyondMax },
  };
}

/** A login CA's certificate for a Keystone user: the same decision's shape, its subject the RA's own. */
function decideUserCertificate(ca: IssuingCaFacts, request: IssuanceRequest, now: Date, caNotAfter: number): IssuanceDecision {
  const { csr, user } = checkUserCertificateCase(ca, request);
  const { profile, checked, subject } = checkUserCertificate(ca, csr, user, request.ttlSeconds, now);
  return {
    profile: profile.name,
    subject,
    sans: checked.sans,
    keyType: csr.keyType,
    spkiDer: csr.spkiDer,
    keyUsages: checked.keyUsages,
    extKeyUsages: checked.extKeyUsages,
    ttlSeconds: checked.ttlSeconds,
    ...validity(profile, checked.ttlSeconds, now, caNotAfter),
    questions: { wildcard: false, ttlOverMax: false },
  };
}

function validity(profile: Profile, ttlSeconds: number, now: Date, caNotAfter: number): { notBefore: Date; notAfter: Date } {
  // Certificates hold whole seconds: decide in whole seconds, so what is signed is what was decided.
  const start = Math.floor(now.getTime() / 1000) * 1000 - profile.backdate * 1000;
  // Never outlive the issuer.
  return { notBefore: new Date(start), notAfter: new Date(Math.min(start + ttlSeconds * 1000, Math.floor(caNotAfter / 1000) * 1000)) };
}

/** The questions raised that the recorded grants do not cover (empty: nothing to refuse). */
export function ungranted(questions: PolicyQuestions, granted: Partial<PolicyQuestions>): Array<keyof PolicyQuestions> {
  return (Object.keys(questions) as Array<keyof PolicyQuestions>).filter((q) => questions[q] && !granted[q]);
}
