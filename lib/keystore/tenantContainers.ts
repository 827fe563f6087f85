import { AppError, badRequest } from '../errors/index.js';
import type { CertificateBundle } from '../x509/bundle.js';
import type { BarbicanClient } from './barbican.js';

/**
 * Tenant-owned Barbican certificate containers, read by the worker through the ACL the tenant
 * granted its service user.
 *
 * The confused deputy: an ACL lets the service user read a secret whichever project owns it, and
 * Barbican shows a reader no owning project (only `creator_id`). So the worker accepts a secret for
 * project P only if its user metadata says `openstack-ca-project: P`. Barbican lets only the
 * owning project's creators and admins write that metadata, and lets ACL readers read it: the tag
 * is the owner's own statement that P may use the secret here. Another tenant's secret, even one
 * its owner shared with the service user for some other purpose, is refused.
 */
export const OWNER_METADATA_KEY = 'openstack-ca-project';

/** Secret names in a Barbican `certificate` container. */
const PARTS = ['certificate', 'private_key', 'intermediates', 'private_key_passphrase'] as const;

export class TenantContainers {
  constructor(private readonly barbican: BarbicanClient) {}

  /** The secret must carry the owner's tag for `projectId`; otherwise SECRET_NOT_OWNED. */
  async assertOwned(secretRef: string, projectId: string, part: string): Promise<void> {
    const tag = (await this.barbican.userMetadata(secretRef).catch(refusedAsNotOwned(part)))[OWNER_METADATA_KEY];
    if (tag !== projectId) {
      throw new AppError(
        'SECRET_NOT_OWNED',
        403,
        `The ${part} secret does not belong to your project: tag it with the metadata "${OWNER_METADATA_KEY}": "<your project id>" from your project (only its owner can).`,
        { details: { part } },
      );
    }
  }

  /** Reads a certificate container of `projectId`: every secret is checked for ownership first. */
  async readCertificateContainer(containerRef: string, projectId: string): Promise<CertificateBundle> {
    const container = await this.barbican.container(containerRef).catch(refusedAsNotOwned('container'));
    if (container.type !== 'certificate') {
      throw badRequest('CONTAINER_TYPE_INVALID', `The container is of type "${container.type}"; register a "certificate" container.`, { part: 'container' });
    }
    const refs = new Map(container.secret_refs.map((r) => [r.name, r.secret_ref]));
    for (const required of ['certificate', 'private_key'] as const) {
      if (!refs.has(required)) throw badRequest('CONTAINER_INCOMPLETE', `The container has no "${required}" secret.`, { part: required });
    }
    const out: Partial<Record<(typeof PARTS)[number], Buffer>> = {};
    for (const part of PARTS) {
      const ref = refs.get(part);
      if (!ref) continue;
      await this.assertOwned(ref, projectId, part);
      const meta = await this.barbican.metadata(ref);
      out[part] = await this.barbican.payload(ref, meta.content_types?.default);
    }
    return { certificate: out.certificate!, privateKey: out.private_key!, intermediates: out.intermediates, passphrase: out.private_key_passphrase };
  }
}

/** Barbican's 403/404 to the service user means no ACL or no such object: the tenant must fix it. */
function refusedAsNotOwned(part: string) {
  return (e: unknown): never => {
    if (e instanceof AppError && (e.status === 403 || e.status === 404)) {
      throw new AppError('SECRET_NOT_READABLE', 403, `The service cannot read the ${part}: grant its user read access with a Barbican ACL.`, { details: { part } });
    }
    throw e;
  };
}
