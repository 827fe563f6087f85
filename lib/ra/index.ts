/** The registration authority (Boulder's `ra`): decides what is issued; pure, no I/O. */
export { decideIssuance, ungranted, type IssuanceRequest, type IssuanceDecision, type IssuingCaFacts, type PolicyQuestions } from './decide.js';
export { issuanceRequestOf, grantsOf, userCertificateRequestOf } from './records.js';
export { decideSubordinate } from './decideCa.js';
export { canonicalIdentifier, identifierName, decideAcmeOrder, checkCsrNames, challengeTypesFor, authorizationTarget, checkAcmeAuthorizations } from './acme.js';
export { KEYSTONE_USER_PROFILE, USER_CERT_DEFAULT_TTL_SECONDS, USER_CERT_TTL_LIMIT_SECONDS, userProfileOf, userEmailSan } from './keystoneUser.js';
