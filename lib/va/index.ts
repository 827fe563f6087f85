/**
 * The ACME validation authority: the only component that connects to hosts tenants name. It holds
 * no keys and no credentials; it resolves names itself, refuses non-public addresses, and reports
 * a result (never an exception) for whatever the remote does.
 */
export type { ChallengeType, ValidationSettings, ValidationRequest, ValidationRecord, ValidationResult, ValidationError, ValidationErrorType } from './types.js';
export { validationSettingsFromEnv, DEFAULT_TIMEOUT_MS } from './settings.js';
export { validateChallenge, requestProblem } from './validate.js';
export { refusedAddress, reverseName } from './addresses.js';
export { dns01Digest } from './dns01.js';
export { MAX_REDIRECTS, BODY_SLACK } from './http01.js';
export { ACME_TLS_1, ACME_IDENTIFIER_OID, alpnCertificateProblem } from './tlsalpn01.js';
