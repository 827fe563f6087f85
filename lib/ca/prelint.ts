import { generateMemoryKey, nativeDriver } from '../drivers/native.js';
import type { MemoryKeyHandle } from '../drivers/index.js';
import { assembleCertificate, assertLintClean, lintCertificate, type KeyType, type LintKind, type SignatureAlgorithm } from '../x509/index.js';

/**
 * Boulder's linting step: before the CA key signs anything, the same TBS is signed with a
 * throwaway key of the issuer's type and linted, so a certificate that fails lint is never signed
 * by a real key. One throwaway key per type and process, in memory; it signs nothing that leaves.
 */
const throwaway = new Map<KeyType, Promise<MemoryKeyHandle>>();

export async function prelint(tbs: Buffer, algorithm: SignatureAlgorithm, issuerKeyType: KeyType, kind: LintKind, now: Date): Promise<void> {
  let key = throwaway.get(issuerKeyType);
  if (!key) {
    key = generateMemoryKey(issuerKeyType, 'prelint');
    throwaway.set(issuerKeyType, key);
  }
  const der = assembleCertificate(tbs, algorithm, await nativeDriver.sign(tbs, algorithm, await key));
  // The signature is the throwaway key's, so it cannot verify: the checks against the issuer, and
  // a root's self-signature, belong to the lint of the real certificate.
  assertLintClean(lintCertificate(der, { kind: kind === 'root' ? 'intermediate' : kind, now }));
}
