/**
 * `npm run bench` (part 3): the API's token check per request, online (Fernet, validated by
 * Keystone, then cached) versus offline (Keystone `jws` tokens verified with its public key).
 * Needs the real Keystone of scripts/openstack-up.sh (`.openstack/env`); skipped without it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { keystoneAuthenticator, type AuthConfig } from '../lib/auth/index.js';
import { readEnvFile, ROOT } from '../scripts/stack.js';

const envFile = join(ROOT, '.openstack', 'env');
if (!existsSync(envFile)) {
  console.log('== token checks: skipped (start a real Keystone first: bash scripts/openstack-up.sh .openstack)');
  process.exit(0);
}
const env = readEnvFile(envFile);
// The state directory outlives the servers: skip, as without it, when they are not running.
for (const url of [env.OS_AUTH_URL, env.KEYSTONE_JWS_URL]) {
  const up = await fetch(url, { signal: AbortSignal.timeout(3000) }).then(
    async (r) => (await r.arrayBuffer(), true),
    () => false,
  );
  if (!up) {
    console.log(`== token checks: skipped (no Keystone answers at ${url}; start it: bash scripts/openstack-up.sh .openstack)`);
    process.exit(0);
  }
}

async function login(authUrl: string): Promise<string> {
  const res = await fetch(`${authUrl}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { id: 'default' }, password: 'apass' } } }, scope: { project: { name: 'tenant-a', domain: { id: 'default' } } } } }),
  });
  if (res.status !== 201) throw new Error(`login at ${authUrl}: ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

/** Mean microseconds per call over `n` calls of `check(i)`. */
async function perCall(n: number, check: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 100); i++) await check(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await check(i);
  return ((performance.now() - t0) * 1000) / n;
}

const base = { timeoutMs: 5000, cacheMaxEntries: 10_000, cacheMaxSeconds: 300 };
const jwsUrl = env.KEYSTONE_JWS_URL;
const revocation: AuthConfig['revocation'] = {
  credentials: { authUrl: jwsUrl, username: env.KEYSTONE_REVOCATION_USERNAME, password: env.KEYSTONE_REVOCATION_PASSWORD, projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
  intervalSeconds: 30,
};
const jws = { dir: env.KEYSTONE_JWS_PUBLIC_KEY_DIR, rolesCacheSeconds: 60 };

const fernet = await login(env.OS_AUTH_URL);
const online = await perCall(30, () => keystoneAuthenticator({ ...base, authUrl: env.OS_AUTH_URL, cacheMaxSeconds: 0 })(fernet));
const fernetAuth = keystoneAuthenticator({ ...base, authUrl: env.OS_AUTH_URL });
const fernetWarm = await perCall(100_000, () => fernetAuth(fernet));

const jwsTokens = await Promise.all(Array.from({ length: 20 }, () => login(jwsUrl)));
// A token cache of one entry: every call verifies the signature, roles come from the cache.
const offlineAuth = keystoneAuthenticator({ ...base, cacheMaxEntries: 1, authUrl: jwsUrl, jws, revocation });
const offline = await perCall(20_000, (i) => offlineAuth(jwsTokens[i % jwsTokens.length]));
const jwsAuth = keystoneAuthenticator({ ...base, authUrl: jwsUrl, jws, revocation });
const jwsWarm = await perCall(100_000, (i) => jwsAuth(jwsTokens[i % jwsTokens.length]));

console.log('== token check per request (one process, mean)');
console.log(`  online, Keystone validates (no cache)       ${online.toFixed(0).padStart(8)} µs`);
console.log(`  Fernet, warm validation cache               ${fernetWarm.toFixed(2).padStart(8)} µs`);
console.log(`  JWS, new token, offline (ES256 + roles cache) ${offline.toFixed(2).padStart(6)} µs   ${(online / offline).toFixed(0)}x faster than online`);
console.log(`  JWS, warm validation cache                  ${jwsWarm.toFixed(2).padStart(8)} µs`);
process.exit(0);
