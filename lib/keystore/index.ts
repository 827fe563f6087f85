import { BarbicanClient } from './barbican.js';
import { CaKeyStore } from './caKeys.js';
import { loadServiceCredentials } from './serviceCredentials.js';
import { ServiceSession } from '../auth/serviceSession.js';

export { BarbicanClient } from './barbican.js';
export { CaKeyStore, caKeySecretName } from './caKeys.js';
export { ServiceSession } from '../auth/serviceSession.js';
export { loadServiceCredentials, type ServiceCredentials } from './serviceCredentials.js';

/** The worker's keystore, configured from its environment. */
export function caKeyStoreFromEnv(env = process.env): CaKeyStore {
  const session = new ServiceSession(() => loadServiceCredentials(env));
  const barbican = new BarbicanClient(session, env.BARBICAN_URL || undefined);
  return new CaKeyStore(barbican, Number(env.CA_KEY_CACHE_SECONDS ?? 300) * 1000);
}
