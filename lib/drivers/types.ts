import type { KeyObject } from 'node:crypto';
import type { KeyType, SignatureAlgorithm } from '../x509/index.js';

/**
 * What the worker needs from a signer. Drivers differ in where the key lives and who computes
 * the signature; the certificate bytes around the signature are built by lib/x509 for all.
 */
export interface SigningDriver {
  readonly name: string;
  createKey(keyType: KeyType): Promise<{ privateKey: KeyObject; publicKey: KeyObject }>;
  sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, privateKey: KeyObject): Promise<Buffer>;
}
