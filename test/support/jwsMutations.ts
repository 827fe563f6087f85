import type { Rng } from './prng.js';

/**
 * Seeded mutations of a flattened JWS (RFC 7515 7.2.2) for the ACME fuzzers (the acmeFuzz suite
 * and `npm run fuzz`): truncated or re-encoded members, members dropped or of the wrong type, extra
 * members, junk protected headers and payloads, or junk instead of the whole body.
 */
const JUNK = ['', 'null', '{}', '[]', '"x"', '1e999', '{"a":', '\u0000', 'é', '=='.repeat(3), 'A'.repeat(70_000), '{"alg":"none"}', '{"alg":"ES256","nonce":1,"url":[]}', '\ud800'];

/** A short junk text: JSON fragments, odd characters, an oversize run. */
export const jwsJunk = (rand: Rng) => rand.pick(JUNK);

/** One to three mutations of the members of `jws` (changed in place; returned). */
export function mutateJwsMembers(rand: Rng, jws: Record<string, unknown>): Record<string, unknown> {
  for (let m = 0, n = 1 + rand.int(3); m < n; m++) {
    const key = rand.pick(['protected', 'payload', 'signature']);
    const value = String(jws[key] ?? '');
    switch (rand.int(7)) {
      case 0:
        jws[key] = value.slice(0, rand.int(value.length));
        break;
      case 1:
        jws[key] = value.replace(/./, rand.pick(['+', '/', '=', '!', ' ']));
        break;
      case 2:
        delete jws[key];
        break;
      case 3:
        jws[key] = rand.pick([1, null, [], {}, true]);
        break;
      case 4:
        jws[rand.pick(['header', 'signatures', 'extra'])] = rand.pick([{ alg: 'none' }, [], 'x']);
        break;
      case 5:
        jws.protected = Buffer.from(jwsJunk(rand)).toString('base64url');
        break;
      default:
        jws.payload = Buffer.from(jwsJunk(rand)).toString('base64url');
    }
  }
  return jws;
}

/** The body to send: the mutated JWS as JSON, or (one time in ten) junk in its place. */
export const mutatedJwsBody = (rand: Rng, jws: Record<string, unknown>): string => (rand.chance(0.1) ? jwsJunk(rand) : JSON.stringify(mutateJwsMembers(rand, jws)));
