import { isAppError } from '../errors/index.js';
import { errorFields, log } from '../log/index.js';
import type { BarbicanClient } from './barbican.js';

/**
 * Server-side keys (the Octavia certificate generator): a key the worker generated leaves the
 * worker only into Barbican, as a `certificate` container (certificate, private key,
 * intermediates) that only the requesting user may read (ACL, project access off). The store and
 * every answer hold the container reference, never the key.
 */
export interface DeliveredBundle {
  projectId: string;
  certificateId: string;
  /** The Keystone user the key is for. */
  readerUserId: string;
  keyPem: string;
  certificatePem: string;
  chainPem: string;
}

/** The container's name; its secrets are `<name>/<part>`. */
const deliveryName = (projectId: string, certificateId: string) => `cert/${projectId}/${certificateId}`;
const PARTS = ['certificate', 'private_key', 'intermediates'] as const;

/** Tries of one delivery within a job attempt: the key exists only in this worker until it is delivered. */
const DELIVERY_TRIES = 5;
/** No new try after this long: Barbican's calls time out at 10 s each, the worker at 60 s. */
const DELIVERY_BUDGET_MS = 20_000;
const transient = (e: unknown) => isAppError(e) && e.status === 503;

export class KeyDelivery {
  constructor(
    private readonly barbican: BarbicanClient,
    private readonly retryDelayMs = 500,
    private readonly budgetMs = DELIVERY_BUDGET_MS,
  ) {}

  /**
   * Delivers, trying again (after removing by name whatever the failed try left, answers lost
   * included) while Barbican or Keystone is unavailable: a job attempt that gave up here would lose
   * the key with it, and its certificate would have to be revoked.
   */
  async deliver(b: DeliveredBundle): Promise<string> {
    const started = Date.now();
    for (let tried = 1; ; tried++) {
      try {
        // What a failed try may have left goes first, within the same try: a removal that fails is tried again too.
        if (tried > 1) await this.discard(b.projectId, b.certificateId);
        return await this.deliverOnce(b);
      } catch (e) {
        if (tried >= DELIVERY_TRIES || !transient(e) || Date.now() - started > this.budgetMs) throw e;
        log.warn('key delivery failed; trying again', { certificateId: b.certificateId, tried, ...errorFields(e) });
        await new Promise((r) => setTimeout(r, this.retryDelayMs * tried));
      }
    }
  }

  private async deliverOnce(b: DeliveredBundle): Promise<string> {
    const prefix = deliveryName(b.projectId, b.certificateId);
    const made: string[] = [];
    try {
      const store = async (name: (typeof PARTS)[number], text: string, secretType: 'private' | 'certificate') => {
        const ref = await this.barbican.store({ name: `${prefix}/${name}`, payload: Buffer.from(text, 'utf8'), secretType, contentType: 'text/plain' });
        made.push(ref);
        return ref;
      };
      const secretRefs = [
        { name: 'certificate', secret_ref: await store('certificate', b.certificatePem, 'certificate') },
        { name: 'private_key', secret_ref: await store('private_key', b.keyPem, 'private') },
        ...(b.chainPem ? [{ name: 'intermediates', secret_ref: await store('intermediates', b.chainPem, 'certificate') }] : []),
      ];
      for (const s of secretRefs) await this.barbican.grantRead(s.secret_ref, [b.readerUserId]);
      const containerRef = await this.barbican.createContainer(prefix, 'certificate', secretRefs);
      made.push(containerRef);
      await this.barbican.grantRead(containerRef, [b.readerUserId]);
      return containerRef;
    } catch (e) {
      // Nothing half-made stays behind for someone to find.
      for (const ref of made.reverse()) {
        await (ref.includes('/v1/containers/') ? this.barbican.deleteContainer(ref) : this.barbican.delete(ref)).catch((err) => log.warn('partial delivery not removed', { ref, error: (err as Error).message }));
      }
      throw e;
    }
  }

  /**
   * Removes what deliveries of this certificate left in Barbican, found by name (the service's own
   * only): a worker that stopped during or after a delivery, before the store recorded it, could
   * not clean up. Returns how many secrets and containers were removed.
   */
  async discard(projectId: string, certificateId: string): Promise<number> {
    const prefix = deliveryName(projectId, certificateId);
    const containers = await this.barbican.ownContainersNamed(prefix);
    const secrets = (await Promise.all(PARTS.map((part) => this.barbican.ownSecretsNamed(`${prefix}/${part}`)))).flat();
    // Containers first: they name the secrets.
    for (const c of containers) await this.barbican.deleteContainer(c.container_ref);
    for (const s of secrets) await this.barbican.delete(s.secret_ref);
    return containers.length + secrets.length;
  }
}
