import { generateKeyPair, KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { KEY_TYPES, type KeyType, type SignatureAlgorithm } from '../x509/index.js';
import type { Driver, DriverCapabilities, KeyHandle, MemoryKeyHandle } from './types.js';

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

/** A fresh key pair from node:crypto (OpenSSL), as a memory handle. */
export async function generateMemoryKey(keyType: KeyType, label = ''): Promise<MemoryKeyHandle> {
  const args = KEYGEN[keyType];
  if (!args) throw new Error(`unknown key type "${keyType}"`);
  const [type, options] = args;
  // promisify's overloads do not narrow on a union; the table above is the contract.
  const pair = await (generate as (t: string, o: object) => Promise<{ privateKey: KeyObject; publicKey: KeyObject }>)(type, options);
  return { location: 'memory', keyType, label, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The private KeyObject of a memory key (or the KeyObject itself); token keys are refused. */
export function memoryPrivateKey(key: KeyHandle | KeyObject, driver: string): KeyObject {
  if (key instanceof KeyObject) return key;
  if (key.location !== 'memory') throw new Error(`the ${driver} driver signs with keys in memory; "${key.label}" is a token key`);
  return key.privateKey;
}

/** RSA PKCS#1 v1.5 / DER ECDSA / Ed25519 signature with node:crypto. */
export function signInMemory(tbsDer: Buffer, algorithm: SignatureAlgorithm, privateKey: KeyObject): Buffer {
  return sign(algorithm.hash, tbsDer, privateKey);
}

const capabilities: DriverCapabilities = { name: 'native', keyTypes: KEY_TYPES, keyLocation: 'memory', buildsOwnCertificate: false };

/** The native driver's narrower types: memory handles, and a bare KeyObject accepted where a handle is. */
export interface NativeDriver extends Driver {
  createKey(keyType: KeyType, label?: string): Promise<MemoryKeyHandle>;
  sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle | KeyObject): Promise<Buffer>;
}

/** In-process signing with node:crypto (OpenSSL). The default driver; `sign` also takes a bare KeyObject. */
export const nativeDriver: NativeDriver = {
  name: 'native',
  capabilities,
  async createKey(keyType: KeyType, label = '') {
    return generateMemoryKey(keyType, label);
  },
  async sign(tbsDer: Buffer, algorithm: SignatureAlgorithm, key: KeyHandle | KeyObject) {
    return signInMemory(tbsDer, algorithm, memoryPrivateKey(key, 'native'));
  },
};

