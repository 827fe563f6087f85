/**
 * Fault proxies by name, and a small loopback control API for tests that run in another process
 * (scripts/with-stack.ts passes FAULTS_URL): GET /faults lists modes and counts, PUT /faults/{name}
 * with a FaultMode sets one (`{}` passes everything again).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultProxy, type FaultMode } from './proxy.js';

export interface FaultProxies {
  proxies: Record<string, FaultProxy>;
  /** The control API's URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startFaultProxies(targets: Record<string, string>, random?: () => number): Promise<FaultProxies> {
  const proxies: Record<string, FaultProxy> = {};
  for (const [name, target] of Object.entries(targets)) {
    proxies[name] = new FaultProxy(name, target, random);
    await proxies[name].start();
  }
  const server: Server = createServer((req, res) => {
    const name = /^\/faults\/([a-z]+)$/.exec(req.url ?? '')?.[1];
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/faults') return answer(200, Object.fromEntries(Object.entries(proxies).map(([n, p]) => [n, { mode: p.mode, counts: p.counts }])));
    if (req.method !== 'PUT' || !name || !proxies[name]) return answer(404, { error: `no fault proxy at ${req.url}` });
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        proxies[name].mode = JSON.parse(body || '{}') as FaultMode;
        answer(200, { mode: proxies[name].mode });
      } catch {
        answer(400, { error: 'the body is not JSON' });
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    proxies,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(() => ok(undefined)));
      await Promise.all(Object.values(proxies).map((p) => p.stop()));
    },
  };
}
