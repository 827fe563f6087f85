import type { X509Certificate } from 'node:crypto';
import type { KeyHandle } from '../drivers/index.js';
import type { SubjectFields } from '../profiles/index.js';
import type { ExtKeyUsageName, KeyType, LeafKeyUsage, LintKind, NameConstraints, San } from '../x509/index.js';

/**
 * Exactly what one certificate will say, fixed before anything is signed: the worker makes it
 * from the RA's decision (leaves) or from the CA record (CA certificates), and `issue` refuses
 * to hand back a certificate that says anything else.
 */
export interface CertificatePlan {
  kind: LintKind;
  subjectDer: Buffer;
  /** For drivers that build the certificate from a CSR (cfssl): the same subject, by field. */
  subject?: SubjectFields;
  spkiDer: Buffer;
  subjectKeyType: KeyType;
  notBefore: Date;
  notAfter: Date;
  sans?: San[];
  /** Leaves; CA certificates always get keyCertSign and cRLSign (and digitalSignature). */
  keyUsage?: LeafKeyUsage[];
  extKeyUsage?: ExtKeyUsageName[];
  pathLen?: number;
  nameConstraints?: NameConstraints;
  /** The issuer's CRL and OCSP URLs, written into the certificate. */
  revocation?: { crlUrl: string; ocspUrl: string };
  /** The requester's CSR, for drivers that build from one. */
  csrPem?: string;
}

/** The CA that signs: its Name as its certificate has it, its key, and its key identifier. */
export interface Issuer {
  nameDer: Buffer;
  keyType: KeyType;
  key: KeyHandle;
  subjectKeyId: Buffer;
  /** Its certificate; absent while a root signs its own first certificate. */
  certificate?: X509Certificate;
}

export interface Issued {
  der: Buffer;
  pem: string;
  /** Lower-case hex, as the store keeps serials. */
  serial: string;
}
