import type { KeyObject } from 'node:crypto';
import { OID } from './oids.js';

export type KeyType = 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'EC-P256' | 'EC-P384' | 'Ed25519';
export const KEY_TYPES: readonly KeyType[] = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384', 'Ed25519'];

/** The key type of a public or private key; undefined for anything we do not issue for or with. */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ({ 2048: 'RSA-2048', 3072: 'RSA-3072', 4096: 'RSA-4096' } as Record<number, KeyType>)[d.modulusLength ?? 0];
    case 'ec':
      return ({ prime256v1: 'EC-P256', secp384r1: 'EC-P384' } as Record<string, KeyType>)[d.namedCurve ?? ''];
    case 'ed25519':
      return 'Ed25519';
    default:
      return undefined;
  }
}

export interface SignatureAlgorithm {
  oid: string;
  name: string;
  /** The digest for crypto.sign; null for Ed25519, which hashes internally. */
  hash: 'sha256' | 'sha384' | null;
}

/** The issuer's signature algorithm. RSA uses SHA-256 at every size: what every client accepts. */
export function signatureAlgorithmFor(issuerKeyType: KeyType): SignatureAlgorithm {
  if (issuerKeyType.startsWith('RSA')) return { oid: OID.sha256WithRSA, name: 'sha256WithRSAEncryption', hash: 'sha256' };
  if (issuerKeyType === 'EC-P256') return { oid: OID.ecdsaWithSHA256, name: 'ecdsa-with-SHA256', hash: 'sha256' };
  if (issuerKeyType === 'EC-P384') return { oid: OID.ecdsaWithSHA384, name: 'ecdsa-with-SHA384', hash: 'sha384' };
  return { oid: OID.ed25519, name: 'Ed25519', hash: null };
}
