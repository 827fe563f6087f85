import { createHash, createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { unavailable } from '../errors/index.js';

/**
 * The ACME front end's private key (PEM, EC P-256): EAB HMAC keys are sealed to its public half
 * when the API mints them (the API can never open one again), and the nonces' MAC key is derived
 * from it. On AWS a Secrets Manager secret only the ACME function reads; locally ACME_PRIVATE_KEY.
 */
export interface AcmeKeys {
  privateKeyPem: string;
  nonceKey: Buffer;
}

let cached: Promise<AcmeKeys> | undefined;

export function acmeKeys(env: NodeJS.ProcessEnv = process.env): Promise<AcmeKeys> {
  cached ??= load(env).catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function load(env: NodeJS.ProcessEnv): Promise<AcmeKeys> {
  let pem = env.ACME_PRIVATE_KEY;
  if (!pem) {
    if (!env.ACME_KEY_SECRET_ID) throw unavailable('ACME_NOT_CONFIGURED', 'The ACME key is not configured (ACME_KEY_SECRET_ID).');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.ACME_KEY_SECRET_ID }));
    pem = out.SecretString;
  }
  if (!pem?.includes('PRIVATE KEY')) throw unavailable('ACME_NOT_CONFIGURED', 'The ACME key secret holds no PEM private key.');
  // A key of its own for the nonces' MACs, derived (one secret to keep, separate keys for separate jobs).
  const nonceKey = createHmac('sha256', createHash('sha256').update(pem).digest()).update('acme-nonce').digest();
  return { privateKeyPem: pem, nonceKey };
}
