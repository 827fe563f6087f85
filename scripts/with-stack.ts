/**
 * Runs a command against a freshly started local stack, then stops it:
 *   with-stack.ts [--openstack STATE_DIR] command args...
 * The command gets API_URL, OS_AUTH_URL, BARBICAN_URL, JOBS_QUEUE_URL, the AWS endpoints and
 * STACK_PID (the serverless-offline process) and FAULTS_URL (the fault proxies in front of the
 * worker's dynalite, Keystone and Barbican: dev/faults/control.ts).
 * Ports differ from `npm start`'s, so tests can run beside a running development stack.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvFile, ROOT, startStack } from './stack.js';

const args = process.argv.slice(2);
let openstack: Record<string, string> | undefined;
if (args[0] === '--openstack') {
  openstack = readEnvFile(join(args[1], 'env'));
  args.splice(0, 2);
}
mkdirSync(join(ROOT, '.local'), { recursive: true });
const logFile = join(ROOT, '.local', openstack ? 'offline-openstack.log' : 'offline-test.log');
// The ACME suites answer challenges on these (pebble-challtestsrv as DNS, clients' own http-01 and tls-alpn-01 servers).
process.env.ACME_DNS_RESOLVER ??= '127.0.0.1:8053';
process.env.ACME_HTTP01_PORT ??= '5002';
process.env.ACME_TLSALPN01_PORT ??= '5003';
const started = Date.now();
const stack = await startStack({ apiPort: 13000, lambdaPort: 13002, dynamoPort: 14567, sqsPort: 19324, devKeystonePort: 0, devBarbicanPort: 0, openstack, logFile, faultProxies: true });
console.error(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.apiUrl}; serverless-offline log: ${logFile})`);

const child = spawn(args[0], args.slice(1), {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`, ...stack.env, API_URL: stack.apiUrl, OS_AUTH_URL: stack.authUrl, BARBICAN_URL: stack.barbicanUrl ?? '', STACK_LOG: logFile, STACK_PID: String(stack.pid), FAULTS_URL: stack.faults?.url ?? '', API_CONTRACT: '1' },
  shell: process.platform === 'win32',
});
const code: number = await new Promise((r) => {
  child.on('exit', (c) => r(c ?? 1));
  child.on('error', (e) => {
    console.error(`cannot run ${args[0]}: ${e.message}`);
    r(127);
  });
});
await stack.stop();
process.exit(code);
