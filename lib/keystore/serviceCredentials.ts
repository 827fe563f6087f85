import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { unavailable } from '../errors/index.js';
import { passwordCredentialsFromEnv, type PasswordCredentials } from '../auth/serviceSession.js';

/**
 * The worker's own Keystone identity. On AWS it lives in a Secrets Manager secret that only the
 * worker role may read (SERVICE_CREDENTIALS_SECRET_ID); locally it comes from the environment.
 */
export type ServiceCredentials = PasswordCredentials;

const SecretShape = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  project_name: z.string().min(1).default('service'),
  user_domain_name: z.string().min(1).default('Default'),
  project_domain_name: z.string().min(1).default('Default'),
});

/**
 * The secret's JSON, checked. Neither a JSON parse error nor a validation error may quote the
 * secret (both would): the error names only what is wrong, never a value.
 */
export function parseServiceCredentialsSecret(text: string | undefined): z.infer<typeof SecretShape> {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    throw unavailable('SERVICE_CREDENTIALS_INVALID', 'The worker\'s service credentials secret is not valid JSON; the operators must fix it.', 60);
  }
  const parsed = SecretShape.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw unavailable('SERVICE_CREDENTIALS_INVALID', `The worker's service credentials secret lacks or has invalid fields: ${fields}; the operators must fix it.`, 60);
  }
  return parsed.data;
}

export async function loadServiceCredentials(env = process.env): Promise<ServiceCredentials> {
  const authUrl = env.OS_AUTH_URL;
  if (!authUrl) throw new Error('OS_AUTH_URL is not set');
  if (env.SERVICE_CREDENTIALS_SECRET_ID) {
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.SERVICE_CREDENTIALS_SECRET_ID }));
    const s = parseServiceCredentialsSecret(out.SecretString);
    return { authUrl, username: s.username, password: s.password, projectName: s.project_name, userDomainName: s.user_domain_name, projectDomainName: s.project_domain_name };
  }
  const creds = passwordCredentialsFromEnv(env, authUrl, 'OS_SERVICE_');
  if (!creds) throw new Error('OS_SERVICE_USERNAME/OS_SERVICE_PASSWORD (or SERVICE_CREDENTIALS_SECRET_ID) are not set');
  return creds;
}
