/**
 * THE chain checker: whether one certificate issued another (the issuer Name, the key
 * identifiers, the issuer's right to sign certificates, the signature), which path building for
 * uploaded external CAs (pathBuild.ts) follows, and `checkLinks` for a chain given in order that
 * need not end at a root (a tenant's certificate container: the leaf, then maybe intermediates).
 */
import { sameName, type Cert } from './certificateReader.js';
import { KU } from './extensionReaders.js';

/** The signature of `child` verifies with the key of `issuer`. */
export function signedBy(child: Cert, issuer: Cert): boolean {
  if (!issuer.publicKey) return false;
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export const validAt = (c: Cert, t: number) => c.notBefore.getTime() <= t && t <= c.notAfter.getTime();

/** `parent`'s subject Name is `child`'s issuer Name (RFC 5280 7.1). */
export const namesIssuer = (child: Cert, parent: Cert) => sameName(parent.subjectDer, child.issuerDer);

/** The authority key identifier of `child`, when both are there, is `parent`'s subject key identifier. */
export const keyIdsAgree = (child: Cert, parent: Cert) => !child.authorityKeyId || !parent.subjectKeyId || child.authorityKeyId.equals(parent.subjectKeyId);

/** A CA that may sign certificates: basicConstraints cA, and keyCertSign when it has a keyUsage (OpenSSL's X509_check_ca). */
export const mayIssue = (c: Cert) => !!c.basicConstraints?.ca && (!c.keyUsage || c.keyUsage.has(KU.keyCertSign));

export type LinkFault =
  /** `parent` is not a CA that may sign certificates. */
  | { link: number; child: Cert; parent: Cert; fault: 'not-ca' }
  /** `parent` did not issue `child` (names, key identifiers or signature). */
  | { link: number; child: Cert; parent: Cert; fault: 'not-issued' }
  /** The chain ends at a self-issued certificate whose self-signature does not verify. */
  | { link: number; child: Cert; parent: Cert; fault: 'root-signature' };

/**
 * The first broken link of a chain in order, leaf first, issuer after subject, with or without
 * its root ("leaf, root optional"): link i is certificate i (1-based) and its issuer i + 1. A
 * self-issued last certificate (the root, when the chain holds it) must verify with its own key.
 */
export function checkLinks(chain: Cert[]): LinkFault | undefined {
  for (let i = 0; i + 1 < chain.length; i++) {
    const [child, parent] = [chain[i], chain[i + 1]];
    if (!mayIssue(parent)) return { link: i + 1, child, parent, fault: 'not-ca' };
    if (!namesIssuer(child, parent) || !keyIdsAgree(child, parent) || !signedBy(child, parent)) return { link: i + 1, child, parent, fault: 'not-issued' };
  }
  const last = chain[chain.length - 1];
  if (chain.length > 1 && last.selfIssued && keyIdsAgree(last, last) && !signedBy(last, last)) return { link: chain.length - 1, child: last, parent: last, fault: 'root-signature' };
  return undefined;
}
