import { assembleCertificate, assertLintClean, lintCertificate, type KeyType, type LintKind, type SignatureAlgorithm } from '../x509/index.js';

/** Bytes of each issuer key type's signature value (ECDSA: a DER Ecdsa-Sig-Value of full-size integers). */
const SIGNATURE_BYTES: Record<KeyType, number> = { 'RSA-2048': 256, 'RSA-3072': 384, 'RSA-4096': 512, 'EC-P256': 70, 'EC-P384': 102, Ed25519: 64 };
const placeholders = new Map<KeyType, Buffer>();

/**
 * Boulder's linting step: before the CA key signs anything, the TBS is linted as a whole
 * certificate, so a certificate that fails lint is never signed by a real key. Boulder signs that
 * copy with a throwaway key; our linter reads the signature only to verify it against the issuer,
 * which this step does not ask for, so a placeholder of the real signature's size lints the same
 * bytes without the cost of a signature (an RSA-2048 one is most of a certificate's CPU time).
 * The checks against the issuer, and a root's self-signature, belong to the lint of the real certificate.
 */
export async function prelint(tbs: Buffer, algorithm: SignatureAlgorithm, issuerKeyType: KeyType, kind: LintKind, now: Date): Promise<void> {
  let signature = placeholders.get(issuerKeyType);
  if (!signature) {
    signature = Buffer.alloc(SIGNATURE_BYTES[issuerKeyType]);
    placeholders.set(issuerKeyType, signature);
  }
  assertLintClean(lintCertificate(assembleCertificate(tbs, algorithm, signature), { kind: kind === 'root' ? 'intermediate' : kind, now }));
}
