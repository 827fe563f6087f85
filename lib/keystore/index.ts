import { BarbicanClient } from './barbican.js';
import { CaKeyStore } from './caKeys.js';
import { TenantContainers } from './tenantContainers.js';
import { KeyDelivery } from './delivery.js';
import { loadServiceCredentials } from './serviceCredentials.js';
import { ServiceSession } from '../auth/serviceSession.js';
import { KeystoneMembership, type ProjectMembership } from '../auth/membership.js';

export { BarbicanClient } from './barbican.js';
export { CaKeyStore, caKeySecretName } from './caKeys.js';
export { TenantContainers, OWNER_METADATA_KEY } from './tenantContainers.js';
export { KeyDelivery, type DeliveredBundle } from './delivery.js';
export { ServiceSession } from '../auth/serviceSession.js';
export { KeystoneMembership, type ProjectMembership } from '../auth/membership.js';
export { loadServiceCredentials, parseServiceCredentialsSecret, type ServiceCredentials } from './serviceCredentials.js';

/**
 * The worker's Barbican access, configured from its environment: its CA keys, tenants' containers,
 * key delivery, and the Keystone check of who may still receive a project's keys. One service
 * session for all; the membership check uses its domain-scoped token (the service user needs
 * `reader` on OS_SERVICE_MEMBERSHIP_DOMAIN_NAME, by default its own domain).
 */
export function keystoresFromEnv(env = process.env): { keys: CaKeyStore; tenantContainers: TenantContainers; delivery: KeyDelivery; membership: ProjectMembership } {
  const session = new ServiceSession(() => loadServiceCredentials(env));
  const barbican = new BarbicanClient(session, env.BARBICAN_URL || undefined);
  return {
    keys: new CaKeyStore(barbican, Number(env.CA_KEY_CACHE_SECONDS ?? 300) * 1000),
    tenantContainers: new TenantContainers(barbican),
    delivery: new KeyDelivery(barbican),
    membership: new KeystoneMembership(session, { domainName: env.OS_SERVICE_MEMBERSHIP_DOMAIN_NAME || undefined }),
  };
}
