/** DER fields certificates, CRLs, CSRs and OCSP responses share: the AlgorithmIdentifier and the Extension. */
import { boolean, nullValue, octetString, oid, sequence } from './derWriter.js';
import type { SignatureAlgorithm } from './keys.js';

/** AlgorithmIdentifier: RSA takes explicit NULL parameters, ECDSA and Ed25519 none (RFC 4055, 5758, 8410). */
export function algorithmIdentifier(alg: SignatureAlgorithm): Buffer {
  return alg.oid.startsWith('1.2.840.113549.1.1.') ? sequence(oid(alg.oid), nullValue()) : sequence(oid(alg.oid));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (so only TRUE is encoded), extnValue OCTET STRING }. */
export const extension = (extOid: string, critical: boolean, value: Buffer) => (critical ? sequence(oid(extOid), boolean(true), octetString(value)) : sequence(oid(extOid), octetString(value)));
