import { BarbicanClient } from './barbican.js';
import { CaKeyStore } from './caKeys.js';
import { TenantContainers } from './tenantContainers.js';
import { KeyDelivery } from './delivery.js';
import { loadServiceCredentials } from './serviceCredentials.js';
import { ServiceSession } from '../auth/serviceSession.js';

export { BarbicanClient } from './barbican.js';
export { CaKeyStore, caKeySecretName } from './caKeys.js';
export { TenantContainers, OWNER_METADATA_KEY } from './tenantContainers.js';
export { KeyDelivery, type DeliveredBundle } from './delivery.js';
export { ServiceSession } from '../auth/serviceSession.js';
export { loadServiceCredentials, parseServiceCredentialsSecret, type ServiceCredentials } from './serviceCredentials.js';

/** The worker's Barbican access, configured from its environment: its CA keys and tenants' containers. */
export function keystoresFromEnv(env = process.env): { keys: CaKeyStore; tenantContainers: TenantContainers; delivery: KeyDelivery } {
  const session = new ServiceSession(() => loadServiceCredentials(env));
  const barbican = new BarbicanClient(session, env.BARBICAN_URL || undefined);
  return { keys: new CaKeyStore(barbican, Number(env.CA_KEY_CACHE_SECONDS ?? 300) * 1000), tenantContainers: new TenantContainers(barbican), delivery: new KeyDelivery(barbican) };
}
