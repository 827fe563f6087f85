import { AppError, badRequest, forbidden } from '../errors/index.js';
import { checkIssuance, Profile } from '../profiles/index.js';
import type { CaRecord, KeystoneUser } from '../store/index.js';
import { canonicalEmail, type ParsedCsr } from '../x509/index.js';

/**
 * Keystone user certificates: what a login CA issues, and only a login CA. A CA that a Keystone
 * mapping trusts can log in as anyone, so the subject is never the requester's: it is
 * CN=<user name>, UID=<Keystone user id> as Keystone answered for the user, with the user's
 * e-mail as the only name, clientAuth only, digitalSignature only.
 */

export const KEYSTONE_USER_PROFILE = 'keystone_user';
/** The blueprint's: a login certificate lives as long as a Keystone token. */
export const USER_CERT_DEFAULT_TTL_SECONDS = 8 * 3600;
export const USER_CERT_TTL_LIMIT_SECONDS = 30 * 86400;

const USER_PROFILE: Profile = Profile.parse({
  name: KEYSTONE_USER_PROFILE,
  // No DNS or IP name is ever asked for; the e-mail comes from Keystone, not from the requester.
  allow_any_name: true,
  allow_wildcard: false,
  allow_ip_sans: false,
  allow_email_sans: true,
  key_usages: ['digitalSignature'],
  ext_key_usages: ['client_auth'],
  // The CN is the user's name, checked as a fixed value (the object-id rule), not as a host name.
  copy_subject_fields: ['CN'],
  cn_must_be_object_id: true,
  require_san: false,
  max_ttl: USER_CERT_TTL_LIMIT_SECONDS,
  default_ttl: USER_CERT_DEFAULT_TTL_SECONDS,
});

/** The user profile as one login CA sets its lifetimes. */
export function userProfileOf(ca: Pick<CaRecord, 'userCertificates'>): Profile {
  const settings = ca.userCertificates;
  return settings ? { ...USER_PROFILE, default_ttl: settings.defaultTtl, max_ttl: settings.maxTtl } : USER_PROFILE;
}

export interface UserCertificateFacts {
  kind?: CaRecord['kind'];
  userCertificates?: CaRecord['userCertificates'];
}

export interface UserCertificateRequest {
  csr?: ParsedCsr;
  keystoneUser?: KeystoneUser;
  sans: readonly string[];
  ttlSeconds?: number;
  profile: string;
}

/** Whether this request is for (or this CA issues only) Keystone user certificates. */
export const isUserCertificateCase = (ca: UserCertificateFacts, request: UserCertificateRequest) =>
  ca.kind === 'login' || request.keystoneUser !== undefined || request.profile === KEYSTONE_USER_PROFILE;

/** Refusals that apply before anything about the key: which CA, which front end, what subject. */
export function checkUserCertificateCase(ca: UserCertificateFacts, request: UserCertificateRequest): { csr: ParsedCsr; user: KeystoneUser } {
  if (ca.kind !== 'login') {
    throw forbidden('USER_CERTIFICATE_NOT_ALLOWED', 'Keystone user certificates come only from a login CA, which a cloud admin creates (POST /v1/login-cas); a tenant CA cannot issue them.');
  }
  if (!request.keystoneUser || request.profile !== KEYSTONE_USER_PROFILE) {
    throw new AppError('LOGIN_CA_USER_CERTIFICATES_ONLY', 409, 'A login CA issues only Keystone user certificates, through an enrollment (POST /v1/login-cas/{id}/enrollments).');
  }
  if (!request.csr) throw badRequest('CSR_REQUIRED', 'A Keystone user certificate is made for a CSR: the key stays on the machine that made it.', { field: 'csr' });
  if (request.sans.length) throw badRequest('SANS_NOT_ALLOWED', 'A Keystone user certificate carries only the user\'s e-mail from Keystone; ask for no names.', { field: 'sans' });
  return { csr: request.csr, user: request.keystoneUser };
}

/** The e-mail as a SAN if it is an address a certificate can carry; Keystone's `email` is free text. */
export function userEmailSan(email: string | undefined): string[] {
  if (!email) return [];
  try {
    return [`email:${canonicalEmail(email, (why) => new Error(why))}`];
  } catch {
    return [];
  }
}

/** The profile check of a user certificate: key, lifetime, usages; names are the RA's, not the requester's. */
export function checkUserCertificate(ca: UserCertificateFacts, csr: ParsedCsr, user: KeystoneUser, ttlSeconds: number | undefined, now: Date) {
  const profile = userProfileOf(ca);
  const sans = userEmailSan(user.email).map((s) => ({ type: 'email' as const, value: s.slice('email:'.length) }));
  const checked = checkIssuance(profile, { keyType: csr.keyType, sans, subject: { CN: user.name }, objectId: user.name, ttlSeconds, mayExceedMaxTtl: false, now });
  return { profile, checked, subject: { CN: user.name, UID: user.id } };
}
