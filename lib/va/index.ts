/**
 * The ACME validation authority: the only component that connects to hosts tenants name. It holds
 * no keys and no credentials; it resolves names itself, refuses non-public addresses, and reports
 * a result (never an exception) for whatever the remote does.
 *
 * Decisions a caller can rely on:
 * - A request of the wrong shape (dns-01 for an IP, a wildcard or U-label value, a token that is
 *   not base64url, a key authorization for another token) is `malformed`, before any network use.
 * - An IP identifier that is itself non-public is `rejectedIdentifier`. A name (or redirect
 *   target) whose every address is non-public is `connection`; its addresses are in the record.
 *   Both are not transient. Addresses that are refused are left out, the rest used, as Boulder
 *   filters its DNS answers.
 * - http-01 follows at most MAX_REDIRECTS redirects, http on 80 or http01Port and https on 443 or
 *   tlsAlpn01Port (in production exactly 80 and 443), re-resolving and re-filtering each hop;
 *   https hops are not certificate-checked, as at Let's Encrypt.
 * - transient = a retry later could succeed: timeouts, refused/reset connections, SERVFAIL.
 * - Each connection and DNS query is bounded by timeoutMs; a validation may make several (one per
 *   redirect hop, and an IPv4 attempt after a failed IPv6 one).
 */
export type { ChallengeType, ValidationSettings, ValidationRequest, ValidationRecord, ValidationResult, ValidationError, ValidationErrorType } from './types.js';
export { validationSettingsFromEnv, DEFAULT_TIMEOUT_MS } from './settings.js';
export { validateChallenge, requestProblem } from './validate.js';
export { refusedAddress, reverseName } from './addresses.js';
export { dns01Digest } from './dns01.js';
export { MAX_REDIRECTS, BODY_SLACK } from './http01.js';
export { ACME_TLS_1, ACME_IDENTIFIER_OID, alpnCertificateProblem } from './tlsalpn01.js';
