// DEVELOPMENT ONLY — never for production. Starts the development Keystone and Barbican together:
//   node --import tsx dev/openstack.ts     (DEV_KEYSTONE_PORT, DEV_BARBICAN_PORT to move them)
import { pathToFileURL } from 'node:url';
import { createDevBarbican } from './barbican.js';
import { createDevKeystone, type DevKeystone } from './keystone.js';

export interface DevOpenStack {
  keystoneUrl: string;
  barbicanUrl: string;
  keystone: DevKeystone;
  close(): Promise<void>;
}

export async function startDevOpenStack(opts: { keystonePort?: number; barbicanPort?: number; tokenTtlSeconds?: number } = {}): Promise<DevOpenStack> {
  let keystone: DevKeystone | undefined;
  // Barbican first: Keystone's catalog needs its URL, and Barbican checks tokens with Keystone later.
  const barbican = await createDevBarbican({ port: opts.barbicanPort ?? Number(process.env.DEV_BARBICAN_PORT ?? 9312), lookup: (t) => keystone?.lookup(t) });
  keystone = await createDevKeystone({ port: opts.keystonePort ?? Number(process.env.DEV_KEYSTONE_PORT ?? 35357), barbicanUrl: barbican.url, tokenTtlSeconds: opts.tokenTtlSeconds });
  const ks = keystone;
  return {
    keystoneUrl: ks.url,
    barbicanUrl: barbican.url,
    keystone: ks,
    close: async () => {
      await ks.close();
      await barbican.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dev = await startDevOpenStack();
  console.log(JSON.stringify({ keystone: dev.keystoneUrl, barbican: dev.barbicanUrl }));
  const stop = () => dev.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
