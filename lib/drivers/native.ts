import { generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyType, SignatureAlgorithm } from '../x509/index.js';
import type { SigningDriver } from './types.js';

const generate = promisify(generateKeyPair);

type KeyGenArgs = ['rsa', { modulusLength: number }] | ['ec', { namedCurve: string }] | ['ed25519', Record<string, never>];

const KEYGEN: Record<KeyType, KeyGenArgs> = {
  'RSA-2048': ['rsa', { modulusLength: 2048 }],
  'RSA-3072': ['rsa', { modulusLength: 3072 }],
  'RSA-4096': ['rsa', { modulusLength: 4096 }],
  'EC-P256': ['ec', { namedCurve: 'P-256' }],
  'EC-P384': ['ec', { namedCurve: 'P-384' }],
  Ed25519: ['ed25519', {}],
};

/** In-process signing with node:crypto (OpenSSL). The default driver. */
export const nativeDriver: SigningDriver = {
  name: 'native',
  async createKey(keyType) {
    const [type, options] = KEYGEN[keyType];
    // promisify's overloads do not narrow on a union; the table above is the contract.
    return (await (generate as (t: string, o: object) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>)(type, options));
  },
  async sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, privateKey: KeyObject) {
    return sign(algorithm.hash, tbsDer, privateKey);
  },
};
