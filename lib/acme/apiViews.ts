import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeOrderRecord, EabRecord } from '../store/index.js';
import type { AcmeAccountAnswer, AcmeOrderAnswer, AcmeOrderSummaryAnswer, EabKeyAnswer } from '../openapi/answers.js';
import { authzStatus, orderStatus } from './views.js';

/** ACME objects as the project's normal API shows them (snake_case, as the rest of /v1); their types are the answer schemas'. */
export const eabView = (e: EabRecord, now: Date): EabKeyAnswer => ({
  kid: e.id,
  ca_id: e.caId,
  status: e.status === 'unused' && Date.parse(e.expiresAt) <= now.getTime() ? 'expired' : e.status,
  expires_at: e.expiresAt,
  account_id: e.accountId ?? null,
  wildcard_allowed: e.grants.wildcard,
  ttl_beyond_max: e.grants.ttlOverMax,
  created_by: e.createdBy,
  created_at: e.createdAt,
});

export const accountApiView = (a: AcmeAccountRecord): AcmeAccountAnswer => ({
  id: a.id,
  ca_id: a.caId,
  status: a.status,
  contact: a.contact ?? [],
  jwk_thumbprint: a.thumbprint,
  eab_kid: a.eabKid ?? null,
  wildcard_allowed: a.grants.wildcard,
  ttl_beyond_max: a.grants.ttlOverMax,
  created_by: a.createdBy,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

export const orderApiView = (o: AcmeOrderRecord, authzs: AcmeAuthzRecord[] | undefined, now: Date): AcmeOrderSummaryAnswer & Partial<Pick<AcmeOrderAnswer, 'authorizations'>> => ({
  id: o.id,
  ca_id: o.caId,
  account_id: o.accountId,
  status: authzs ? orderStatus(o, authzs, now) : o.status,
  identifiers: o.identifiers,
  profile: o.profile,
  expires: o.expires,
  certificate_id: o.certificateId ?? null,
  error: o.error ?? null,
  created_at: o.createdAt,
  updated_at: o.updatedAt,
  ...(authzs
    ? {
        authorizations: authzs.map((a) => ({
          id: a.id,
          identifier: a.identifier,
          wildcard: a.wildcard,
          status: authzStatus(a, now),
          expires: a.expires,
          validated_by: a.validation?.status === 'valid' ? a.validation.type : null,
          error: a.validation?.error ?? null,
        })),
      }
    : {}),
});
