import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { KeyType } from '../../lib/x509/index.js';

/** A fresh key pair of each CA key type the service offers, made by node:crypto, for tests. */
export function keyPairFor(keyType: KeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (keyType) {
    case 'RSA-2048':
    case 'RSA-3072':
    case 'RSA-4096':
      return generateKeyPairSync('rsa', { modulusLength: Number(keyType.slice(4)) });
    case 'EC-P256':
    case 'EC-P384':
      return generateKeyPairSync('ec', { namedCurve: `P-${keyType.slice(4)}` });
    case 'Ed25519':
      return generateKeyPairSync('ed25519');
  }
}
