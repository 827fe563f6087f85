/**
 * PKCS#10 certification requests (RFC 2986) for our own keys: what an EXTERNAL intermediate CA
 * hands the tenant to have signed by their external CA. Pure encoding: the signature over the
 * CertificationRequestInfo is made by the caller (the driver holds the key).
 */
import { algorithmIdentifier, extension } from './fields.js';
import { readTlv } from './der.js';
import { bitString, boolean, oid, sequence, set, smallInteger, tlv } from './derWriter.js';
import type { SignatureAlgorithm } from './keys.js';
import { OID } from './oids.js';

export interface CsrInfoInput {
  /** DER Name, copied verbatim (e.g. `encodeName(subject)`). */
  subjectDer: Buffer;
  /** DER SubjectPublicKeyInfo of the key the certificate is for. */
  spkiDer: Buffer;
  extensions?: {
    /** Request a CA certificate: critical basicConstraints cA TRUE and critical keyUsage keyCertSign, cRLSign. */
    basicConstraintsCa?: boolean;
    /** pathLenConstraint (0..255) of the requested basicConstraints; only with `basicConstraintsCa`. */
    pathLen?: number;
  };
}


/** keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110, the last bit set is bit 6, so one unused bit. */
const KEY_USAGE_CA = bitString(Buffer.from([0x06]), 1);

/** The buffer must be exactly one DER element with that tag. */
function assertElement(der: Buffer, tag: number, what: string): void {
  let ok = false;
  try {
    const t = readTlv(der, 0);
    ok = t.tag === tag && t.end === der.length;
  } catch {
    ok = false;
  }
  if (!ok) throw new TypeError(`${what} must be a single DER SEQUENCE`);
}

/**
 * CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject Name,
 *   subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT SET OF Attribute }
 * With `basicConstraintsCa`, the attributes hold one extensionRequest (PKCS#9) asking for the CA
 * extensions; otherwise the attribute set is empty (it is not OPTIONAL).
 */
export function buildCsrInfo(input: CsrInfoInput): Buffer {
  assertElement(input.subjectDer, 0x30, 'subjectDer');
  assertElement(input.spkiDer, 0x30, 'spkiDer');
  const { basicConstraintsCa = false, pathLen } = input.extensions ?? {};
  if (pathLen !== undefined) {
    if (!basicConstraintsCa) throw new TypeError('pathLen is only meaningful with basicConstraintsCa');
    if (!Number.isInteger(pathLen) || pathLen < 0 || pathLen > 255) throw new RangeError('pathLen must be an integer from 0 to 255');
  }
  const attributes: Buffer[] = [];
  if (basicConstraintsCa) {
    const bc = sequence(boolean(true), ...(pathLen === undefined ? [] : [smallInteger(pathLen)]));
    const exts = sequence(extension(OID.basicConstraints, true, bc), extension(OID.keyUsage, true, KEY_USAGE_CA));
    attributes.push(sequence(oid(OID.extensionRequest), set(exts)));
  }
  return sequence(smallInteger(0), input.subjectDer, input.spkiDer, tlv(0xa0, ...attributes));
}

/**
 * CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }.
 * `signature` is in X.509 form (PKCS#1 v1.5, DER ECDSA-Sig-Value, or 64 Ed25519 bytes) over `infoDer`.
 */
export function assembleCsr(infoDer: Buffer, algorithm: SignatureAlgorithm, signature: Buffer): Buffer {
  assertElement(infoDer, 0x30, 'infoDer');
  if (!signature.length) throw new TypeError('empty signature');
  return sequence(infoDer, algorithmIdentifier(algorithm), bitString(signature));
}
