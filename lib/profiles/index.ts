/**
 * Named issuance profiles (like Vault PKI roles and CFSSL profiles): a zod schema for the profile
 * a user sends, and a pure check of an issuance request against one. No I/O here.
 */
export {
  Profile,
  DEFAULT_PROFILE,
  KEY_FAMILIES,
  RSA_BITS,
  EC_CURVES,
  KEY_USAGES,
  EXT_KEY_USAGES,
  SUBJECT_FIELDS,
  PROFILE_DEFAULT_TTL_SECONDS,
  PROFILE_DEFAULT_MAX_TTL_SECONDS,
  PROFILE_TTL_LIMIT_SECONDS,
  PROFILE_MAX_BACKDATE_LIMIT_SECONDS,
  type ProfileInput,
  type KeyFamily,
  type EcCurve,
  type KeyUsage,
  type ExtKeyUsage,
  type SubjectField,
} from './schema.js';
export { checkIssuance, subjectFromAttributes, type IssuanceRequest, type IssuanceDecision, type SubjectFields, type ExtKeyUsageName } from './check.js';
export { normaliseDnsName, isPublicSuffix, isWildcard, parseDomainRule, normaliseDomainRule, globMatch, ruleAllows, matchingRule, type DomainRule } from './names.js';
export { parseIpRange, normaliseIpRange, ipInRange, type IpRange } from './ip.js';
export { canonicalIp } from '../x509/san.js';
export { profileFor } from './resolve.js';
