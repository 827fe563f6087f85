import type { Driver } from '../drivers/index.js';
import type { CaKeyStore, KeyDelivery, ProjectMembership, TenantContainers } from '../keystore/index.js';
import type { Store } from '../store/index.js';

/** What job runners work with, all injected (tests swap in a memory store, fake key stores, a fixed clock). */
export interface WorkerContext {
  /** The storage authority: records are read from and written to it, never elsewhere. */
  store: Store;
  keys: Pick<CaKeyStore, 'save' | 'load' | 'remove' | 'find'>;
  /** Tenants' own Barbican containers, read through their ACLs. */
  tenantContainers: Pick<TenantContainers, 'readCertificateContainer'>;
  /** Server-side keys go to their owner through Barbican, nowhere else. */
  delivery: Pick<KeyDelivery, 'deliver' | 'discard'>;
  /** Keystone, asked when a job runs whether a server-side key's owner still holds a role on its project. */
  membership: ProjectMembership;
  driver: Driver;
  now: () => Date;
  /** The API's public base URL: certificates point to their CA's CRL and OCSP responder under it. */
  publicUrl?: string;
}
