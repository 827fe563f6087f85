import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeAuthzStatus, AcmeChallengeRecord, AcmeOrderRecord, AcmeOrderStatus } from '../store/index.js';
import type { AcmeUrls } from './urls.js';

/**
 * ACME objects as RFC 8555 shows them. `ready`, `expired` and a challenge's `processing` are
 * derived on read from what the validator found, so nothing has to move them along.
 */
export function authzStatus(a: AcmeAuthzRecord, now: Date): AcmeAuthzStatus {
  if (a.status === 'deactivated' || a.status === 'revoked') return a.status;
  const expired = Date.parse(a.expires) <= now.getTime();
  if (a.validation?.status === 'valid') return expired ? 'expired' : 'valid';
  if (a.validation?.status === 'invalid') return 'invalid';
  return expired ? 'expired' : 'pending';
}

export function orderStatus(o: AcmeOrderRecord, authzs: AcmeAuthzRecord[], now: Date): AcmeOrderStatus {
  if (o.status !== 'pending') return o.status;
  if (Date.parse(o.expires) <= now.getTime()) return 'invalid';
  const states = authzs.map((a) => authzStatus(a, now));
  if (states.length !== o.authorizationIds.length || states.some((s) => s !== 'valid' && s !== 'pending')) return 'invalid';
  return states.every((s) => s === 'valid') ? 'ready' : 'pending';
}

export function accountView(a: AcmeAccountRecord, urls: AcmeUrls) {
  return { status: a.status, contact: a.contact ?? [], orders: urls.accountOrders(a.id), ...(a.eabKid ? { externalAccountBinding: { kid: a.eabKid } } : {}) };
}

export function orderView(o: AcmeOrderRecord, authzs: AcmeAuthzRecord[], urls: AcmeUrls, now: Date) {
  const status = orderStatus(o, authzs, now);
  const failed = authzs.find((a) => authzStatus(a, now) === 'invalid')?.validation?.error;
  const error = o.error ?? (status === 'invalid' && failed ? failed : undefined);
  return {
    status,
    expires: o.expires,
    identifiers: o.identifiers,
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
    authorizations: o.authorizationIds.map(urls.authz),
    finalize: urls.finalize(o.id),
    ...(o.profile !== 'default' ? { profile: o.profile } : {}),
    ...(o.replaces ? { replaces: o.replaces } : {}),
    ...(status === 'valid' && o.certificateId ? { certificate: urls.certificate(o.certificateId) } : {}),
    ...(error ? { error } : {}),
  };
}

export function challengeView(a: AcmeAuthzRecord, c: AcmeChallengeRecord, urls: AcmeUrls) {
  const v = a.validation?.type === c.type ? a.validation : undefined;
  const status = v ? v.status : c.requestedAt && !a.validation && a.status === 'pending' ? 'processing' : 'pending';
  return {
    type: c.type,
    url: urls.challenge(a.id, c.type),
    status,
    token: c.token,
    ...(v?.status === 'valid' ? { validated: v.at } : {}),
    ...(v?.error ? { error: v.error } : {}),
    ...(v?.records ? { validationRecord: v.records } : {}),
  };
}

export function authzView(a: AcmeAuthzRecord, urls: AcmeUrls, now: Date) {
  const status = authzStatus(a, now);
  // A valid authorization shows the challenge that validated it (RFC 8555 7.1.4).
  const challenges = status === 'valid' ? a.challenges.filter((c) => c.type === a.validation?.type) : a.challenges;
  return {
    identifier: a.identifier,
    status,
    expires: a.expires,
    challenges: challenges.map((c) => challengeView(a, c, urls)),
    ...(a.wildcard ? { wildcard: true } : {}),
  };
}
