import type { JWK } from 'jose';

/**
 * ACME objects (RFC 8555) as the store keeps them: project objects like any other, under the
 * project of the CA whose directory made them. No HMAC key, private key or nonce secret is a field.
 */
export type AcmeAccountStatus = 'valid' | 'deactivated' | 'revoked';
export type AcmeOrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AcmeAuthzStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type AcmeChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';
export type AcmeIdentifier = { type: 'dns' | 'ip'; value: string };

/** What the Keystone user who minted the EAB key was allowed to ask for (decided then: ACME has no token). */
export interface AcmeGrants {
  wildcard: boolean;
  ttlOverMax: boolean;
}

export interface AcmeAccountRecord {
  id: string;
  projectId: string;
  caId: string;
  status: AcmeAccountStatus;
  /** The account's public key (RFC 7517) and its RFC 7638 thumbprint. */
  jwk: JWK;
  thumbprint: string;
  contact?: string[];
  /** The EAB key id it was bound with (absent on a CA that does not require EAB). */
  eabKid?: string;
  grants: AcmeGrants;
  /** The Keystone user who minted the EAB key; `acme` for a CA open without EAB. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** One account per key per directory (id = `<caId>:<thumbprint>`); `released` after a key change. */
export interface AcmeKeyRecord {
  id: string;
  projectId: string;
  accountId: string;
  released?: boolean;
  createdAt: string;
}

export type EabStatus = 'unused' | 'bound';

/**
 * An External Account Binding key (id = kid). Its HMAC key is kept only sealed to the ACME front
 * end's public key (the API that minted it cannot open it again), and dropped once it binds.
 */
export interface EabRecord {
  id: string;
  projectId: string;
  caId: string;
  status: EabStatus;
  sealedHmacKey?: string;
  expiresAt: string;
  grants: AcmeGrants;
  accountId?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface AcmeProblemRecord {
  type: string;
  detail: string;
}

export interface AcmeOrderRecord {
  id: string;
  projectId: string;
  caId: string;
  accountId: string;
  /** Stored: pending until finalize; ready is derived from the authorizations. */
  status: AcmeOrderStatus;
  identifiers: AcmeIdentifier[];
  authorizationIds: string[];
  expires: string;
  profile: string;
  /** RFC 9773: the certificate (ARI id) this order replaces. */
  replaces?: string;
  notBefore?: string;
  notAfter?: string;
  certificateId?: string;
  error?: AcmeProblemRecord;
  createdAt: string;
  updatedAt: string;
}

export interface AcmeChallengeRecord {
  type: AcmeChallengeType;
  token: string;
  /** Asked for by the client (POST to the challenge); the validator answers in `validation`. */
  requestedAt?: string;
}

/** The validator's finding (the signer trusts only this, never `status` alone). */
export interface AcmeValidation {
  status: 'valid' | 'invalid';
  type: AcmeChallengeType;
  at: string;
  error?: AcmeProblemRecord;
  records?: Array<Record<string, unknown>>;
}

export interface AcmeAuthzRecord {
  id: string;
  projectId: string;
  caId: string;
  accountId: string;
  orderId: string;
  identifier: AcmeIdentifier;
  wildcard: boolean;
  /** pending until validated; deactivated by the client; valid/invalid as the validator found. */
  status: AcmeAuthzStatus;
  expires: string;
  challenges: AcmeChallengeRecord[];
  /** Validation attempts so far (transient failures are retried a few times). */
  attempts?: number;
  validation?: AcmeValidation;
  createdAt: string;
  updatedAt: string;
}
