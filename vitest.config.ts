import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Timeouts catch a hang, not slowness: the suite must pass on a busy 2-core machine, where a CPU-bound test
    // (openssl, Python oracles, esbuild) runs five to ten times slower than on an idle one.
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      // Reads what `osls package` produces: IAM roles in the CloudFormation template, bundle contents. The package
      // (beforeAll) takes about 40 s on an idle machine and up to 6 minutes with both cores loaded.
      { test: { name: 'boundary', include: ['test/boundary/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 900_000 } },
      // Integration suites share one running stack (scripts/with-stack.ts); package.json runs them with --no-file-parallelism.
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      // On a stack that refuses a share of valid ACME nonces (package.json starts one for it).
      { test: { name: 'acme-nonce', include: ['test/acmeNonce/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } },
      // The ACME client harness against Debian's Pebble, the reference server (npm run test:pebble; not in npm test).
      { test: { name: 'pebble', include: ['test/acmeClients/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 60_000 } },
      // Against the real Keystone and Barbican: the OpenStack suites, and the CA lifecycle flows again
      // (their keys then live in the real Barbican).
      {
        test: {
          name: 'openstack',
          include: [
            'test/openstack/**/*.test.ts',
            'test/integration/intermediates.test.ts',
            'test/integration/externalCa.test.ts',
            'test/integration/reissue.test.ts',
            'test/integration/rotation.test.ts',
            'test/integration/revocation.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
