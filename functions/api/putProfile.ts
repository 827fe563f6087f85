import * as z from 'zod';
import { badRequest } from '../../lib/errors/index.js';
import { projectRoute, validateBody } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { Profile } from '../../lib/profiles/index.js';
import { editProfiles } from '../../lib/store/index.js';
import { profileView } from '../../lib/views/index.js';

/**
 * PUT /v1/cas/{id}/profiles/{name} — creates or replaces a CA's issuance profile (like a Vault
 * role). Fields left out take their defaults; `default` replaces the built-in profile.
 */
// The body is the profile without its name (the path names it); `documentedBody` is what it is checked against.
const documentedBody = Profile.in.omit({ name: true }).extend({ name: z.string().optional().describe('the name in the path, if given at all') });

export const handler = projectRoute({ params: { id: 'ca', name: 'newProfile' }, body: z.record(z.string(), z.unknown()), documentedBody }, async ({ params, body, credentials }) => {
  enforce('ca:profiles:update', credentials, { project_id: credentials.projectId });
  if (body.name !== undefined && body.name !== params.name) throw badRequest('BODY_INVALID', `Field "name": the path names the profile ("${params.name}"); leave it out.`, { field: 'name' });
  const profile = validateBody(Profile, { ...body, name: params.name });
  let created = false;
  const ca = await editProfiles(credentials.projectId, params.id, (profiles) => {
    created = !Object.hasOwn(profiles, profile.name);
    return { ...profiles, [profile.name]: profile };
  });
  return {
    status: created ? 201 : 200,
    audit: { action: created ? 'profile.created' : 'profile.updated', object: { type: 'ca', id: ca.id } },
    body: { profile: profileView(profile) },
  };
});
