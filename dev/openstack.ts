// DEVELOPMENT ONLY — never for production: starts the development Keystone and Barbican together.
//   node --import tsx dev/openstack.ts   prints {"keystone":".../v3","barbican":"..."} once both answer;
//   DEV_KEYSTONE_PORT (default 35357) and DEV_BARBICAN_PORT (default 9312) move them; SIGTERM/SIGINT stop them.
import { pathToFileURL } from 'node:url';
import { createDevBarbican, type DevBarbican } from './barbican.js';
import { createDevKeystone, type DevKeystone } from './keystone.js';

export const DEFAULT_DEV_KEYSTONE_PORT = 35357;
export const DEFAULT_DEV_BARBICAN_PORT = 9312;

export interface DevOpenStackOptions {
  /** 0 for any free port; default DEV_KEYSTONE_PORT or 35357 (never a real Keystone's 5000). */
  keystonePort?: number;
  /** 0 for any free port; default DEV_BARBICAN_PORT or 9312 (never a real Barbican's 9311). */
  barbicanPort?: number;
  host?: string;
  tokenTtlSeconds?: number;
  now?: () => number;
}

export interface DevOpenStack {
  /** OS_AUTH_URL: ends in /v3. */
  keystoneUrl: string;
  /** The key-manager endpoint (no /v1), also in every scoped token's catalog. */
  barbicanUrl: string;
  keystone: DevKeystone;
  barbican: DevBarbican;
  close(): Promise<void>;
}

function envPort(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, not ${JSON.stringify(v)}`);
  return n;
}

export async function startDevOpenStack(opts: DevOpenStackOptions = {}): Promise<DevOpenStack> {
  let barbicanUrl = '';
  // Keystone first: Barbican checks tokens with it, and its catalog reads Barbican's URL when a token is issued.
  const keystone = await createDevKeystone({
    port: opts.keystonePort ?? envPort('DEV_KEYSTONE_PORT', DEFAULT_DEV_KEYSTONE_PORT),
    host: opts.host,
    tokenTtlSeconds: opts.tokenTtlSeconds,
    now: opts.now,
    barbicanUrl: () => barbicanUrl,
  });
  let barbican: DevBarbican;
  try {
    barbican = await createDevBarbican({ port: opts.barbicanPort ?? envPort('DEV_BARBICAN_PORT', DEFAULT_DEV_BARBICAN_PORT), host: opts.host, now: opts.now, keystone });
  } catch (e) {
    await keystone.close();
    throw e;
  }
  barbicanUrl = barbican.url;
  return {
    keystoneUrl: keystone.url,
    barbicanUrl,
    keystone,
    barbican,
    close: async () => {
      await Promise.all([keystone.close(), barbican.close()]);
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dev = await startDevOpenStack();
  console.log(JSON.stringify({ keystone: dev.keystoneUrl, barbican: dev.barbicanUrl }));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void dev.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
