import { conflict, notFound } from '../errors/index.js';
import type { Profile } from '../profiles/index.js';
import { cas } from './repositories.js';
import { StaleRecordError } from './records.js';
import type { CaRecord } from './types.js';

/**
 * Read-modify-write of a CA's profiles, conditional on the CA being unchanged in between, so two
 * admins editing at once cannot lose each other's changes. `edit` may throw to refuse.
 */
export async function editProfiles(projectId: string, caId: string, edit: (profiles: Record<string, Profile>) => Record<string, Profile>): Promise<CaRecord> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ca = await cas.get(projectId, caId);
    if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${caId} in your project.`);
    try {
      return await cas.setProfiles(projectId, caId, edit({ ...ca.profiles }), ca.updatedAt);
    } catch (e) {
      if (!(e instanceof StaleRecordError)) throw e;
    }
  }
  throw conflict('CA_BUSY', `CA ${caId} kept changing while its profiles were written; retry.`);
}
