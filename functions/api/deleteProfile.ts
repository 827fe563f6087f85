import { notFound } from '../../lib/errors/index.js';
import { projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { editProfiles } from '../../lib/store/index.js';

/** DELETE /v1/cas/{id}/profiles/{name} — removes a profile; deleting `default` restores the built-in one. */
export const handler = projectRoute({ params: { id: 'ca', name: 'profile' } }, async ({ params, credentials }) => {
  enforce('ca:profiles:delete', credentials, { project_id: credentials.projectId });
  const ca = await editProfiles(credentials.projectId, params.id, (profiles) => {
    if (!Object.hasOwn(profiles, params.name)) throw notFound('PROFILE_NOT_FOUND', `CA ${params.id} has no profile "${params.name}" of its own.`);
    const { [params.name]: _gone, ...rest } = profiles;
    return rest;
  });
  return { status: 204, audit: { action: 'profile.deleted', object: { type: 'ca', id: ca.id } } };
});
