import type { Driver } from '../drivers/index.js';
import type { CaKeyStore, TenantContainers } from '../keystore/index.js';

/** What job runners need besides the store: the key store and the signer. Injected, so tests can swap them. */
export interface WorkerContext {
  keys: CaKeyStore;
  /** Tenants' own Barbican containers, read through their ACLs. */
  tenantContainers: TenantContainers;
  driver: Driver;
  now: () => Date;
  /** The API's public base URL: certificates point to their CA's CRL and OCSP responder under it. */
  publicUrl?: string;
}
