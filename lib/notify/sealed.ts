import { CompactEncrypt, compactDecrypt, importPKCS8, importSPKI } from 'jose';

/**
 * Webhook secrets at rest: sealed to the notifier's public key (JWE, ECDH-ES+A256KW / A256GCM).
 * The API seals when a webhook is saved and can never open one again; only the notifier, which
 * alone holds the private key, opens them to sign deliveries.
 */
const ALG = 'ECDH-ES+A256KW';
const ENC = 'A256GCM';

export async function sealSecret(secret: string, publicKeyPem: string): Promise<string> {
  const key = await importSPKI(publicKeyPem, ALG);
  return new CompactEncrypt(new TextEncoder().encode(secret)).setProtectedHeader({ alg: ALG, enc: ENC }).encrypt(key);
}

export async function openSecret(sealed: string, privateKeyPem: string): Promise<string> {
  const key = await importPKCS8(privateKeyPem, ALG);
  const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: [ALG], contentEncryptionAlgorithms: [ENC] });
  return new TextDecoder().decode(plaintext);
}
