/**
 * `npm run bench` (part 4): Keystone validations per token. Each API route is a function of its
 * own, with its own in-process token cache; the shared validation cache (TOK# items in the table)
 * lets one validation serve them all. Runs ONE token through an ordinary session on the local
 * stack, first with the shared cache off (TOKEN_SHARED_CACHE=0), then on, counting the
 * validations the development Keystone answered for that token. Then what it costs a cold
 * container (one GetItem instead of a Keystone validation), and the alternative it was chosen
 * over: one API function behind a router (its bundle and cold start against one route's).
 * BENCH_KEYSTONE_CALLS=0 skips it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { fetchTokenInfo } from '../lib/auth/keystone.js';
import { dynamoTokenValidations } from '../lib/store/tokenValidations.js';
import { keystoneToken } from '../test/support/api.js';
import { devKeystoneValidations, tokenSession } from '../test/support/session.js';
import { startStack, ROOT, type Stack } from '../scripts/stack.js';
import { bundleSize, coldStart } from './bundles.js';
import { median } from './pipeline.js';

if (process.env.BENCH_KEYSTONE_CALLS === '0') {
  console.log('== Keystone validations per token: skipped (BENCH_KEYSTONE_CALLS=0)');
  process.exit(0);
}

let live: Stack | undefined;
process.on('exit', () => void live?.stop());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    void live?.stop();
    process.kill(process.pid, signal);
  });
}

mkdirSync(join(ROOT, '.local'), { recursive: true });
const WORK = join('.local', 'bench-keystone-esbuild');
process.env.ESBUILD_WORK_FOLDER = WORK;
const msOf = (x: number) => `${x.toFixed(2).padStart(7)} ms`;

/** One stack with the shared cache on or off; the session's validations of its one token. */
async function session(shared: boolean): Promise<{ validations: number; routes: string[]; stack: Stack }> {
  process.env.TOKEN_SHARED_CACHE = shared ? '1' : '0'; // serverless.yml passes it to the API functions
  const stack = await startStack({ apiPort: 23200, lambdaPort: 23202, dynamoPort: 24767, sqsPort: 29524, devKeystonePort: 0, devBarbicanPort: 0, logFile: join(ROOT, '.local', `offline-bench-keystone-${shared ? 'on' : 'off'}.log`) });
  live = stack;
  process.env.API_URL = stack.apiUrl;
  process.env.OS_AUTH_URL = stack.authUrl;
  const token = await keystoneToken('admin', 'secret', 'tenant-a');
  const routes = await tokenSession(token, `Keystone Calls ${shared ? 'On' : 'Off'}`);
  const validations = await devKeystoneValidations(stack.authUrl, token);
  if (validations === undefined) throw new Error('the development Keystone does not count validations');
  return { validations, routes, stack };
}

// A stack is stopped (awaited) however the run ends: its serverless-offline has a process group of its own.
const stopLive = async () => {
  const s = live;
  live = undefined;
  await s?.stop();
};
let off: Awaited<ReturnType<typeof session>>;
let on: Awaited<ReturnType<typeof session>>;
try {
  off = await session(false);
  await stopLive();
  on = await session(true);
} catch (e) {
  await stopLive();
  throw e;
}
console.log(`== Keystone validations per token: one session with ONE token across ${on.routes.length} routes (each its own function and in-process cache):`);
console.log(`   ${on.routes.join(', ')}`);
console.log(`shared cache off (TOKEN_SHARED_CACHE=0)  ${String(off.validations).padStart(3)} validations of the token`);
console.log(`shared cache on (default)                ${String(on.validations).padStart(3)} validation${on.validations === 1 ? '' : 's'} of the token`);

// What a cold container pays instead of a validation: one GetItem (the entry exists), against
// asking Keystone. Local figures (dynalite and the development Keystone on this machine).
async function coldCost(stack: Stack, n = 50): Promise<{ getItemMs: number; validationMs: number }> {
  Object.assign(process.env, stack.env, { TABLE_NAME: 'openstack-ca-local' });
  const token = await keystoneToken('admin', 'secret', 'tenant-a');
  const fp = createHash('sha256').update(token).digest('hex');
  const store = dynamoTokenValidations(5000);
  await fetch(`${stack.apiUrl}/v1/cas`, { headers: { 'X-Auth-Token': token } }).then((r) => r.arrayBuffer()); // writes the entry
  if (!(await store.read(fp))) throw new Error('the shared entry was not written');
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const gets: number[] = [];
  const validations: number[] = [];
  for (let i = 0; i < n; i++) {
    gets.push(await timed(() => store.read(fp)));
    validations.push(await timed(() => fetchTokenInfo(stack.authUrl, token, 5000)));
  }
  return { getItemMs: median(gets), validationMs: median(validations) };
}
let cost: { getItemMs: number; validationMs: number };
try {
  cost = await coldCost(on.stack);
} finally {
  await stopLive();
}
console.log(`\n== a cold container's first request with a token another function validated: one GetItem instead of a Keystone validation (medians of 50, local)`);
console.log(`GetItem TOK#<sha256> (dynalite)            ${msOf(cost.getItemMs)}`);
console.log(`GET /v3/auth/tokens (development Keystone) ${msOf(cost.validationMs)}   (a real Keystone behind TLS: tens of ms, and its load is the point)`);
const buildDir = join(ROOT, WORK, '.build');

// The alternative: one API function routing every path (one in-process cache, one cold start per container).
const doc = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { functions: Record<string, { handler: string; role?: string }> };
const apiHandlers = Object.entries(doc.functions).filter(([, f]) => f.role === 'ApiRole' && f.handler.startsWith('functions/api/'));
const apiDir = join(buildDir, 'functions', 'api');
const sizes = readdirSync(apiDir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => bundleSize(join(apiDir, f)))
  .sort((a, b) => a.bytes - b.bytes);
const routerDir = join(ROOT, '.local', 'bench-router');
mkdirSync(routerDir, { recursive: true });
const entry = join(routerDir, 'router.ts');
const modules = [...new Set(apiHandlers.map(([, f]) => f.handler.replace(/\.[^.]+$/, '')))];
writeFileSync(
  entry,
  modules.map((m, i) => `import * as m${i} from '${join(ROOT, m)}.ts';`).join('\n') +
    `\nconst all = [${modules.map((_, i) => `m${i}`).join(', ')}];\nexport const handler = (e: unknown) => (all[0] as { handler: (e: unknown) => unknown }).handler(e);\n`,
);
const routerFile = join(routerDir, 'router.mjs');
await build({
  entryPoints: [entry],
  outfile: routerFile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // As serverless.yml's custom.esbuild builds the real functions.
  minify: true,
  keepNames: true,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __bannerCreateRequire } from 'module'; const require = __bannerCreateRequire(import.meta.url);" },
  logLevel: 'error',
});
const env = {
  TABLE_NAME: 'openstack-ca-local',
  POLICY_FILE: 'policy.json',
  OS_AUTH_URL: 'http://127.0.0.1:9/v3',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  STORE_WRITER: 'api',
};
const kb = (b: number) => `${(b / 1024).toFixed(0).padStart(6)} KiB`;
const RUNS = 5;
console.log(`\n== one function per route (${apiHandlers.length} API functions, ${sizes.length} bundles) or one router: bundle and cold start (fresh node, import + handler of an event without a token, median of ${RUNS})`);
for (const [label, file] of [
  ['smallest API bundle', sizes[0].file],
  ['biggest API bundle', sizes[sizes.length - 1].file],
  ['all API routes, one bundle', routerFile],
] as const) {
  const b = bundleSize(file);
  const c = await coldStart(file, env, RUNS);
  console.log(`${label.padEnd(27)} ${kb(b.bytes)} (gzip ${kb(b.gzipBytes)})  import ${msOf(c.importMs)} + first call ${msOf(c.invokeMs)}  RSS ${(c.rssBytes / 2 ** 20).toFixed(1)} MiB  ${relative(ROOT, file)}`);
}
process.exit(0);
