import { X509Certificate } from 'node:crypto';
import type { CaKeyGeneration, CaRecord, CertificateRecord } from '../store/index.js';

/**
 * A CA's key generations. A rotation gives the CA a new key and certificate under the same name;
 * what the old key signed stays valid, so the old key keeps signing a CRL and the OCSP answers for
 * what it signed until its own certificate expires (nothing it signed outlives that). No signing
 * code here: the API reads generations too (a leaf's chain, which key answers an OCSP request).
 */

type Certified = Required<Pick<CaRecord, 'keyRef' | 'certificatePem' | 'subjectKeyId' | 'notAfter'>>;
/** A certificate record as far as its signer goes (worker-written fields both). */
type Signed = Pick<CertificateRecord, 'keyGeneration' | 'certificatePem'>;

/** The generation in use: the record's own key and certificate. */
export function currentGeneration(ca: CaRecord & Certified): CaKeyGeneration;
export function currentGeneration(ca: CaRecord): CaKeyGeneration | undefined;
export function currentGeneration(ca: CaRecord): CaKeyGeneration | undefined {
  if (!ca.keyRef || !ca.certificatePem || !ca.subjectKeyId || !ca.notAfter) return undefined;
  return { generation: ca.keyGeneration ?? 0, keyRef: ca.keyRef, certificatePem: ca.certificatePem, chainPem: ca.chainPem ?? [], subjectKeyId: ca.subjectKeyId, notAfter: ca.notAfter };
}

/** Every generation on record, the current one first. */
export function generationsOf(ca: CaRecord): CaKeyGeneration[] {
  const current = currentGeneration(ca);
  return [...(current ? [current] : []), ...(ca.previousGenerations ?? [])];
}

/** Those that answer for what they signed at `now`: the current one, earlier ones until their certificate expires. */
export function liveGenerations(ca: CaRecord, now: Date): CaKeyGeneration[] {
  const current = currentGeneration(ca);
  return [...(current ? [current] : []), ...(ca.previousGenerations ?? []).filter((g) => Date.parse(g.notAfter) > now.getTime())];
}

/**
 * Which of `generations` signed a certificate: the one the worker recorded with it, else (records
 * from before it did) the one whose certificate is its issuer by name and key identifier, as OpenSSL
 * matches them (the names are all the same), the signature deciding where those do not tell.
 */
export function signerOf(generations: CaKeyGeneration[]): (cert: Signed) => CaKeyGeneration | undefined {
  const parsed = generations.map((g) => ({ g, cert: new X509Certificate(g.certificatePem) }));
  return ({ keyGeneration, certificatePem }) => {
    if (keyGeneration !== undefined) return generations.find((g) => g.generation === keyGeneration);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificatePem ?? '');
    } catch {
      return undefined;
    }
    const named = parsed.filter((p) => cert.checkIssued(p.cert));
    return (named.length === 1 ? named : named.filter((p) => cert.verify(p.cert.publicKey)))[0]?.g;
  };
}

/** The CA certificates a certificate chains through: its signing generation's, and that one's issuers. */
export function chainPemsOf(ca: CaRecord, cert: Signed): string[] {
  const g = signerOf(generationsOf(ca))(cert) ?? currentGeneration(ca);
  return g ? [g.certificatePem, ...(g.chainPem ?? [])] : [];
}

/**
 * A generation's CRL name, `g<n>` in its URL (`.../crl/g<n>`) and record id; none for the
 * generation at the unsuffixed URL, which certificates issued before any rotation name.
 */
export function crlNameOf(ca: CaRecord, generation: number): string | undefined {
  return generation === (ca.crlBaseGeneration ?? ca.keyGeneration ?? 0) ? undefined : `g${generation}`;
}
