import type { Driver } from '../drivers/index.js';
import type { CaKeyStore, KeyDelivery, TenantContainers } from '../keystore/index.js';

/** What job runners need besides the store: the key store and the signer. Injected, so tests can swap them. */
export interface WorkerContext {
  keys: CaKeyStore;
  /** Tenants' own Barbican containers, read through their ACLs. */
  tenantContainers: TenantContainers;
  /** Server-side keys go to their owner through Barbican, nowhere else. */
  delivery: KeyDelivery;
  driver: Driver;
  now: () => Date;
  /** The API's public base URL: certificates point to their CA's CRL and OCSP responder under it. */
  publicUrl?: string;
}
