import { badRequest } from '../errors/index.js';
import { DEFAULT_PROFILE, type Profile } from './schema.js';

/** A CA's profile by name; `default` is the built-in one unless the CA defines its own. */
export function profileFor(profiles: Record<string, Profile> | undefined, name: string): Profile {
  const own = profiles && Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (own) return own;
  if (name === DEFAULT_PROFILE.name) return DEFAULT_PROFILE;
  const known = ['default', ...Object.keys(profiles ?? {}).filter((n) => n !== 'default')];
  throw badRequest('PROFILE_UNKNOWN', `This CA has no profile "${name}"; it has ${known.map((n) => `"${n}"`).join(', ')}.`, { field: 'profile' });
}
