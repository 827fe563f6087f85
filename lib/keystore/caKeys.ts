import { createPrivateKey, type KeyObject } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { BarbicanClient } from './barbican.js';

/**
 * CA private keys in Barbican, under the worker's service project. The secret's name binds it
 * to one project and CA; the name is checked on every load, so a reference swapped in the store
 * (by a compromised API, say) cannot make the worker sign with another tenant's CA key.
 */
export const caKeySecretName = (projectId: string, caId: string) => `ca-key/${projectId}/${caId}`;

interface Cached {
  key: KeyObject;
  until: number;
}

export class CaKeyStore {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly barbican: BarbicanClient,
    /** How long a CA key may stay in this worker's memory (never on disk); 0 disables the cache. */
    private readonly cacheMs: number,
  ) {}

  async save(projectId: string, caId: string, key: KeyObject): Promise<string> {
    const der = key.export({ type: 'pkcs8', format: 'der' });
    try {
      return await this.barbican.store({
        name: caKeySecretName(projectId, caId),
        payload: der,
        secretType: 'private',
        algorithm: key.asymmetricKeyType?.toUpperCase(),
        bitLength: key.asymmetricKeyDetails?.modulusLength,
      });
    } finally {
      der.fill(0);
    }
  }

  /**
   * References of the CA keys of this name the service stored, in Barbican's order: a worker that
   * stopped between storing a key and recording it left it here, for the retry to find.
   */
  async find(projectId: string, caId: string): Promise<string[]> {
    return (await this.barbican.ownSecretsNamed(caKeySecretName(projectId, caId))).map((s) => s.secret_ref);
  }

  async load(projectId: string, caId: string, ref: string): Promise<KeyObject> {
    // Keyed by owner and reference together: a hit is only ever a key whose name was checked for this CA.
    const cacheKey = `${caKeySecretName(projectId, caId)} ${ref}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.key;
    const meta = await this.barbican.metadata(ref);
    if (meta.name !== caKeySecretName(projectId, caId)) {
      throw new AppError('KEY_REF_MISMATCH', 403, `the key reference of CA ${caId} does not name this CA's key`);
    }
    // A name anyone could choose; the creator only the worker can be. A tenant's look-alike secret,
    // shared with the service user through an ACL, is not a CA key.
    if (meta.creator_id !== (await this.barbican.actingUserId())) {
      throw new AppError('KEY_REF_MISMATCH', 403, `the key of CA ${caId} was not created by this service`);
    }
    const der = await this.barbican.payload(ref);
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    if (this.cacheMs > 0) {
      this.cache.set(cacheKey, { key, until: Date.now() + this.cacheMs });
      this.evictExpired();
    }
    return key;
  }

  async remove(ref: string): Promise<void> {
    for (const k of this.cache.keys()) if (k.endsWith(` ${ref}`)) this.cache.delete(k);
    await this.barbican.delete(ref);
  }

  private evictExpired() {
    const now = Date.now();
    for (const [ref, c] of this.cache) if (c.until <= now) this.cache.delete(ref);
  }
}
