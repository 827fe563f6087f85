import type { KeyObject } from 'node:crypto';
import type { ExtKeyUsageName, KeyType, LeafKeyUsage, San, SignatureAlgorithm } from '../x509/index.js';

/** A certificate subject by short name (only the fields decided; nothing else may appear). */
export type SubjectByField = Partial<Record<'CN' | 'O' | 'OU' | 'C' | 'ST' | 'L', string>>;

/** What a driver can do, so the worker can choose the right path (and refuse early). */
export interface DriverCapabilities {
  readonly name: string;
  /** The CA key types this driver can create and sign with. */
  readonly keyTypes: readonly KeyType[];
  /** `memory`: the private key is a node KeyObject (kept in Barbican); `token`: it never leaves a PKCS#11 token. */
  readonly keyLocation: 'memory' | 'token';
  /**
   * True when the driver builds the leaf certificate itself (from a CSR, through `issue`) instead of
   * signing the TBS that lib/x509 builds. Such a driver still signs a bare TBS with `sign` for the
   * CA's own self-signature, which no "sign a CSR" tool can do before the CA certificate exists.
   */
  readonly buildsOwnCertificate: boolean;
}

/** A key the process holds: native and cfssl. */
export interface MemoryKeyHandle {
  readonly location: 'memory';
  readonly keyType: KeyType;
  readonly label: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A key inside a PKCS#11 token: only its name and public half are known to the process. */
export interface TokenKeyHandle {
  readonly location: 'token';
  readonly keyType: KeyType;
  /** CKA_LABEL of both halves. */
  readonly label: string;
  /** CKA_ID of both halves, hex. */
  readonly id: string;
  /** RFC 7512 URI naming the private key (token, object, id): what to store as the CA's key reference. */
  readonly uri: string;
  readonly publicKey: KeyObject;
}

export type KeyHandle = MemoryKeyHandle | TokenKeyHandle;

/** A leaf certificate for a CSR, built and signed by the driver (`buildsOwnCertificate`). */
export interface IssueRequest {
  csrPem: string;
  caCertPem: string;
  /** The CA private key: a KeyObject or a memory handle (token keys cannot be handed to such a driver). */
  caKey: KeyObject | MemoryKeyHandle;
  /**
   * The complete subjectAltName list. It replaces the CSR's own names (the API already merged them);
   * when empty, the CSR's own names are kept.
   */
  sans: San[];
  /** Validity: `notAfter`, or `expirySeconds` counted from `notBefore` (default: now). */
  notBefore?: Date;
  notAfter?: Date;
  expirySeconds?: number;
  /** Default: digitalSignature, plus keyEncipherment for an RSA subject key (as lib/x509's leaf profile). */
  keyUsage?: LeafKeyUsage[];
  /** Default: serverAuth and clientAuth. */
  extKeyUsage?: ExtKeyUsageName[];
  /** The decided subject: the certificate must carry exactly these fields, whatever the CSR says. */
  subject?: SubjectByField;
  /** The issuer's CRL and OCSP URLs to write into the certificate. */
  revocation?: { crlUrl: string; ocspUrl: string };
}

/**
 * The driver interface. Every driver creates keys and signs a TBS with them; drivers with
 * `buildsOwnCertificate` also issue leaves from a CSR; token drivers find and delete keys by name.
 */
export interface Driver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** A new CA key. `label` names it where the key is kept (CKA_LABEL in a token); memory drivers only record it. */
  createKey(keyType: KeyType, label: string): Promise<KeyHandle>;
  /** The signature over `tbsDer` in X.509 form: PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC, 64 bytes for Ed25519. */
  sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle): Promise<Buffer>;
  /** Only when `buildsOwnCertificate`: the leaf certificate (PEM). */
  issue?(request: IssueRequest): Promise<string>;
  /** Token drivers: the key of that label, or undefined. */
  findKey?(label: string): Promise<TokenKeyHandle | undefined>;
  /** Token drivers: destroy both halves (an orphan key after a lost race, a deleted CA). */
  deleteKey?(key: TokenKeyHandle): Promise<void>;
  /** Releases sessions and libraries; the driver reopens on next use. */
  close?(): Promise<void>;
}

