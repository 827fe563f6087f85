import type { CertificateRecord, KeystoneUser } from '../store/index.js';
import { parseCsr } from '../x509/index.js';
import type { IssuanceRequest, PolicyQuestions } from './decide.js';
import { KEYSTONE_USER_PROFILE } from './keystoneUser.js';

/**
 * A stored certificate request as the RA takes it: what the worker decides again before signing
 * (renewals and reissues are requests of the same shape). A server-side key's CSR is the worker's
 * own, so the request is the key type and subject asked for, never that CSR.
 */
export function issuanceRequestOf(cert: CertificateRecord): IssuanceRequest {
  return {
    ...(cert.serverSideKey ? { serverSideKey: cert.serverSideKey } : { csr: parseCsr(cert.csrPem ?? '') }),
    // A user certificate's only name (the e-mail) is the RA's, from the user: none is asked for.
    sans: cert.keystoneUser ? [] : cert.sans,
    ttlSeconds: cert.ttlSeconds,
    objectId: cert.objectId,
    profile: cert.profile ?? 'default',
    ...(cert.keystoneUser ? { keystoneUser: cert.keystoneUser } : {}),
  };
}

/** What an enrollment asks for: a Keystone user certificate for this user and CSR (its subject and only name are the RA's). */
export function userCertificateRequestOf(user: KeystoneUser, csrPem: string, ttlSeconds: number | undefined): IssuanceRequest {
  return { csr: parseCsr(csrPem), sans: [], ttlSeconds, profile: KEYSTONE_USER_PROFILE, keystoneUser: user };
}

/** The policy answers recorded with the request (given by the API when it accepted it). */
export const grantsOf = (cert: CertificateRecord): Partial<PolicyQuestions> => ({ wildcard: cert.wildcardAllowed === true, ttlOverMax: cert.ttlBeyondMax === true });
