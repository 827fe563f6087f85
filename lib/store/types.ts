import type { Profile } from '../profiles/index.js';
import type { KeyType, NameConstraints, ReasonCode, SubjectInput } from '../x509/index.js';

/** Records as the store keeps them. No private key, token or passphrase is ever a field here. */
/** `awaiting_certificate`: an external intermediate whose CSR waits for the external CA's signature. */
export type CaStatus = 'pending' | 'awaiting_certificate' | 'active' | 'failed';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type JobKind = 'ca.create' | 'ca.install' | 'certificate.issue' | 'container.register' | 'crl.publish' | 'ca.rotate';
export const CERTIFICATE_STATUSES = ['pending', 'issued', 'failed', 'revoked'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

interface Owned {
  id: string;
  projectId: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** The delivery of a job that holds the right to sign for a record (see Claimable in store.ts). */
interface Claimed {
  claimToken?: string;
  claimUntil?: string;
}

export interface CaRecord extends Owned, Claimed {
  name: string;
  subject: SubjectInput;
  keyType: KeyType;
  validityDays: number;
  status: CaStatus;
  jobId: string;
  certificatePem?: string;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  /** Barbican secret reference of the CA key: a pointer, useless without the worker's credentials. */
  keyRef?: string;
  subjectKeyId?: string;
  failureReason?: string;
  /** Signed by a CA outside this service: the worker makes the key and a CSR, the owner uploads the certificate. */
  external?: boolean;
  /** The external CA's CSR (public), made by the worker. */
  caCsrPem?: string;
  /** An external CA's certificate and chain as uploaded, waiting for the worker to verify and install them. */
  upload?: { certificatePem: string; chainPem: string };
  /** The job that installs `upload`. */
  installJobId?: string;
  /** A rotation's new key, recorded before it signs anything (a retry after a crash reuses it). */
  pendingKeyRef?: string;
  /** The subject Name exactly as the external CA wrote it (base64 DER): the issuer Name of what this CA signs. */
  subjectDerBase64?: string;
  /** An intermediate: the project CA that signs it. Absent for roots. */
  parentId?: string;
  /** basicConstraints pathLenConstraint; absent = unlimited. */
  pathLen?: number;
  /** This CA's own name constraints (in its certificate). */
  nameConstraints?: NameConstraints;
  /** Every constraint set on the path from the root to this CA, each enforced at issuance. */
  constraintChain?: NameConstraints[];
  /** The issuers' certificates, parent first, up to the root (empty for a root). */
  chainPem?: string[];
  /** Rotations so far: the key in use is generation n (its Barbican name ends in `.g<n>`). */
  keyGeneration?: number;
  /** The job of the rotation asked for last. */
  rotationJobId?: string;
  /** After a rotation: the certificate before it, and the new key certified by the old one. */
  previousCertificatePem?: string;
  crossCertificatePem?: string;
  /** The key generations rotations replaced (worker-only): each answers for what it signed until its certificate expires. */
  previousGenerations?: CaKeyGeneration[];
  /**
   * The generation whose CRL is at the unsuffixed URL (`.../crl`, the CRL record named by the CA id),
   * set by the first rotation: the one current until then, which every certificate issued before
   * named. Absent: the CA was never rotated since, and that is the current generation.
   */
  crlBaseGeneration?: number;
  /** Issuance profiles by name; `default` falls back to the built-in DEFAULT_PROFILE. */
  profiles?: Record<string, Profile>;
  /** ACME directory settings (an admin's): EAB is required unless `eabRequired` is false. */
  acme?: { eabRequired?: boolean };
  /**
   * `login`: a cloud admin's CA whose certificates log users in to Keystone (project `system` only);
   * it issues Keystone user certificates and nothing else. Absent: a tenant's CA.
   */
  kind?: 'login';
  /** A login CA's lifetimes for user certificates (seconds). */
  userCertificates?: { defaultTtl: number; maxTtl: number };
}

/** One key of a CA, with the certificate that certifies it (a rotation makes a new generation). */
export interface CaKeyGeneration {
  generation: number;
  keyRef: string;
  certificatePem: string;
  /** Its issuers' certificates while it was current, parent first (empty for a root). */
  chainPem?: string[];
  subjectKeyId: string;
  notAfter: string;
}

export interface JobRecord extends Owned {
  kind: JobKind;
  params: Record<string, string>;
  status: JobStatus;
  attempts: number;
  reason?: string;
  result?: { type: 'ca' | 'certificate' | 'container'; id: string };
}

export interface CertificateRecord extends Owned, Claimed {
  caId: string;
  jobId: string;
  status: CertificateStatus;
  /** The requester's CSR; for server-side keys, the one the worker made (public either way). */
  csrPem?: string;
  /** The worker makes the key (fresh on every issue and renewal) and delivers it through Barbican. */
  serverSideKey?: { keyType: KeyType; subject: Partial<SubjectInput> };
  /** Where a server-side key went: a Barbican certificate container only the requester can read. */
  keyContainerRef?: string;
  /** Normalised SANs, "DNS:x", "IP:x", "email:x". */
  sans: string[];
  ttlSeconds: number;
  /** The profile the request was checked against (absent on records older than profiles: `default`). */
  profile?: string;
  /** The caller was allowed (ca:certificates:create:ttl_over_max) to go beyond the profile's max_ttl. */
  ttlBeyondMax?: boolean;
  /** The caller was allowed (ca:certificates:create:wildcard) to ask for a wildcard name. */
  wildcardAllowed?: boolean;
  /** The id of the object the certificate is for, when the profile wants it as the CN. */
  objectId?: string;
  subject?: string;
  certificatePem?: string;
  /** The CA key generation that signed it (worker-only; absent on certificates signed before it was recorded). */
  keyGeneration?: number;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  failureReason?: string;
  revokedAt?: string;
  /** RFC 5280 CRLReason name. */
  revocationReason?: ReasonCode;
  /** The revocation as the worker put it on a CRL (worker-only: the API cannot take it back). */
  crlRevokedAt?: string;
  crlRevocationReason?: ReasonCode;
  /** Renew when this share of the lifetime, or these many days, remain (whichever comes first). */
  renewal?: { percent?: number; days?: number };
  /** When the scheduler will renew it (set at issuance from `renewal`). */
  renewAt?: string;
  /** A scheduler run renewing it: the successor's ids, claimed before either record is written. */
  renewalClaim?: RenewalClaim;
  /** The certificate this one renews, and the one that renewed it. */
  renewedFrom?: string;
  renewedBy?: string;
  /** Made by `POST /v1/cas/{id}/reissue` in place of this certificate. */
  reissuedFrom?: string;
  /** Failed renewal attempts so far (each reported as a `certificate.renewal_failed` event). */
  renewalFailures?: number;
  /** Asked for by an ACME order: the worker checks the order, account and authorizations before it signs. */
  acme?: { accountId: string; orderId: string };
  /** A Keystone user certificate: whose it is (the subject is made from this, never from the CSR). */
  keystoneUser?: KeystoneUser;
  /** The enrollment that asked for it: the worker checks it before it signs. */
  enrollmentId?: string;
}

/** A Keystone user as Keystone answered for it when the enrollment was made. */
export interface KeystoneUser {
  id: string;
  name: string;
  email?: string;
  domainId?: string;
}

/** A project's webhook (id `webhook`: one per project). The secret is sealed to the notifier's key. */
export interface WebhookRecord {
  id: string;
  projectId: string;
  url: string;
  events?: string[];
  sealedSecret: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A CA key generation's current CRL, signed by the worker, served by the API as is. Its id is the
 * CA id for the generation at the unsuffixed URL, `<caId>.g<n>` for generation n's (crlRecordId).
 * The head item: the DER is in it when it fits one item, else in `derChunks` items written before it.
 */
export interface CrlRecord {
  id: string;
  projectId: string;
  caId: string;
  /** The key generation that signs it (absent on CRLs signed before generations had their own). */
  keyGeneration?: number;
  crlNumber: number;
  thisUpdate: string;
  nextUpdate: string;
  /** A partition's CRL (lib/ca/crlPartitions.ts): the end of its window, after which it is no longer re-signed. */
  coversUntil?: string;
  /** The whole DER (base64), for a CRL that fits one item. */
  derBase64?: string;
  /** Else the chunk set holding it (worker-only): `count` items of the set, `size` DER bytes in all. */
  derChunks?: CrlChunkSet;
  updatedAt: string;
  /**
   * Written by earlier versions only (one item held every entry): read once, when the next CRL
   * moves them into revocation items (RevocationRecord); never written again.
   */
  revokedSerials?: Array<{ serial: string; revokedAt: string; reason?: ReasonCode }>;
}

/** A CRL record as the worker makes it: the store decides where its DER goes. */
export type CrlHead = Omit<CrlRecord, 'derBase64' | 'derChunks' | 'revokedSerials'>;
/** A partition's CRL as the scheduled re-signing finds it. */
export type CrlPartitionHead = Pick<CrlRecord, 'id' | 'coversUntil'>;

/** Where a large CRL's DER is: items `CRLC#<crlId>#<set>#<i>`, i < count. */
export interface CrlChunkSet {
  set: string;
  count: number;
  size: number;
}

/**
 * The worker's record of one revocation on a CRL (item `REV#<crlId>#<serial>`, one per entry): the
 * CRLs of `crlId` carry it from its first on. Only the worker writes these (crl* attributes are
 * worker-only), and the key, not an attribute the API could change, says which CRL and serial.
 */
export interface RevocationRecord {
  projectId: string;
  caId: string;
  crlId: string;
  serial: string;
  crlRevokedAt: string;
  crlRevocationReason?: ReasonCode;
  /** The certificate revoked (absent on entries carried over from CRLs of earlier versions). */
  crlCertificateId?: string;
}

/** A pre-signed OCSP response for one certificate (id = `<caId>:<serial>`), served by the API as is. */
export interface OcspRecord {
  id: string;
  projectId: string;
  caId: string;
  serial: string;
  /** The certificate it answers for (ACME revokeCert and renewal-info find certificates by serial here). */
  certificateId?: string;
  status: 'good' | 'revoked';
  /** The key generation that signed it, the one whose key hash its CertID carries (absent on older answers). */
  keyGeneration?: number;
  thisUpdate: string;
  nextUpdate: string;
  /** The answer for a SHA-1 CertID, and for a SHA-256 one (absent on answers signed before both were). */
  derBase64: string;
  derSha256Base64?: string;
  updatedAt: string;
}

/** A tenant's own Barbican certificate container, registered by reference (the Octavia certificate manager). */
export type ContainerStatus = 'pending' | 'active' | 'error';

export interface ContainerRecord extends Owned {
  name?: string;
  /** The tenant's Barbican container reference; the key stays in Barbican, never here. */
  containerRef: string;
  jobId: string;
  status: ContainerStatus;
  certificatePem?: string;
  chainPem?: string[];
  subject?: string;
  sans?: string[];
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  keyType?: string;
  failureReason?: string;
}

export interface Page<T> {
  items: T[];
  /** Id of the last item when more may follow. */
  next?: string;
}

/** An audit event: append-only, never a secret. */
export interface EventRecord {
  id: string;
  projectId: string;
  time: string;
  action: string;
  outcome: 'success' | 'denied' | 'failure' | 'refused';
  userId?: string;
  requestId?: string;
  object?: { type: string; id: string };
  reason?: string;
  /** Event-specific public fields (days_to_expiry, not_after...): never a secret. */
  detail?: Record<string, unknown>;
}

/** An entry of the scheduling index: `<prefix>#<day>` buckets, sort key `<time>#<project>#<id>`. */
export interface DueEntry {
  at: string;
  projectId: string;
  id: string;
}

/** A certificate the renewal index says is due (its `renewAt` as the index has it). */
export interface DueRenewal {
  projectId: string;
  id: string;
  renewAt: string;
}

/** A renewal run's claim: the ids its successor certificate and job get, and when it was taken. */
export interface RenewalClaim {
  certificateId: string;
  jobId: string;
  at: string;
}

/** When to tell a certificate's owner it is about to expire (id = certificate id). */
export interface ExpiryNoticeRecord {
  id: string;
  projectId: string;
  /** The certificate's notAfter (a field of its own name: `notAfter` is the worker's alone). */
  expiresAt: string;
  /** The next notice: `days` before notAfter, at `notifyAt`. */
  days: number;
  notifyAt: string;
}
