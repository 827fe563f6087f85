// DEVELOPMENT ONLY — never for production: an in-memory Barbican v1 stand-in (secrets, payloads, ACLs, secret user metadata,
// containers and their ACLs), payloads unencrypted.
// It answers like Barbican 15 (Debian bookworm) with its default policy, whose effective rules are the legacy
// ones (oslo.policy enforce_new_defaults = False): checked rule by rule against barbican.common.policies.
// The routes are in barbicanSecrets.ts, barbicanContainers.ts and barbicanAcl.ts, the rules in barbicanPolicy.ts, the
// checks of request bodies in barbicanValidators.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { containerResource, containersCollection } from './barbicanContainers.js';
import { BbError, fail } from './barbicanErrors.js';
import type { BarbicanCaller } from './barbicanPolicy.js';
import { pathSegment } from './barbicanRequest.js';
import { secretResource, secretsCollection } from './barbicanSecrets.js';
import { BarbicanStore } from './barbicanStore.js';
import { barbicanError, closeServer, header, keystoneError, listen, requestId, sendJson, splitUrl, urlHost } from './http.js';
import type { DevKeystone, DevToken } from './keystone.js';

export { BARBICAN_ACTIONS, BARBICAN_COLLECTION_ACTIONS, barbicanAllows, type BarbicanAction, type BarbicanCaller, type BarbicanPolicySecret, type BarbicanPolicyTarget } from './barbicanPolicy.js';

export interface DevBarbicanOptions {
  port?: number;
  host?: string;
  /** Token checks happen in-process against the development Keystone (what keystonemiddleware asks the real one). */
  keystone: Pick<DevKeystone, 'lookup' | 'url'>;
  /** Clock in ms since the epoch (timestamps, expiration). */
  now?: () => number;
}

export interface DevBarbican {
  server: Server;
  /** Base URL without /v1, as in the catalog's key-manager endpoint. */
  url: string;
  close(): Promise<void>;
  /** For tests: how many secrets are held. */
  secretCount(): number;
  /** For tests: the owning project of a secret or container (the API itself never shows it). */
  ownerOf(ref: string): string | undefined;
  /** For tests: how many containers are held. */
  containerCount(): number;
}

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export async function createDevBarbican(opts: DevBarbicanOptions): Promise<DevBarbican> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? Date.now;
  const store = new BarbicanStore(now);
  const { secrets, containers } = store;

  const versionDocument = () => ({
    id: 'v1',
    status: 'stable',
    links: [
      { rel: 'self', href: `${store.url}/v1/` },
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.key-manager-v1+json' }],
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reqId = requestId();
    try {
      const { path, query } = splitUrl(req);
      const method = req.method ?? 'GET';
      // The versions document needs no token.
      if (path === '') {
        if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
        return sendJson(res, 300, { versions: { values: [versionDocument()] } }, { 'x-openstack-request-id': reqId });
      }
      if (path !== '/v1' && !path.startsWith('/v1/')) throw fail(404, 'The resource could not be found.');

      // keystonemiddleware: no valid token, 401 in Keystone's error shape.
      const token: DevToken | undefined = opts.keystone.lookup(header(req, 'x-auth-token'));
      // Barbican's context middleware also refuses tokens without a project (unscoped or system).
      if (!token || !token.projectId) {
        return keystoneError(res, 401, 'Unauthorized', 'The request you have made requires authentication.', {
          'WWW-Authenticate': `Keystone uri="${opts.keystone.url}"`,
          'x-openstack-request-id': reqId,
        });
      }
      const caller: BarbicanCaller = { userId: token.userId, projectId: token.projectId, roles: new Set(token.roles.map((r) => r.toLowerCase())) };

      if (path === '/v1') {
        if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
        return sendJson(res, 200, { version: versionDocument() }, { 'x-openstack-request-id': reqId });
      }
      if (path === '/v1/secrets') return await secretsCollection(store, req, res, caller, query, reqId);
      if (path === '/v1/containers') return await containersCollection(store, req, res, caller, query, reqId);
      const m = /^\/v1\/(secrets|containers)\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
      if (!m) throw fail(404, 'The resource could not be found.');
      const [, collection, id, sub, rest] = m;
      // The secret or container is looked up before any policy check: unknown is 404 for everybody.
      if (collection === 'containers') {
        if (!UUID4.test(id)) throw fail(404, 'Not Found. Provided container id is invalid.');
        const c = containers.get(id);
        if (!c) throw fail(404, 'Secrets container not found.');
        if ((sub !== undefined && sub !== 'acl' && sub !== 'secrets') || rest !== undefined) throw fail(404, 'The resource could not be found.');
        return await containerResource(store, req, res, caller, c, sub, reqId);
      }
      if (!UUID4.test(id)) throw fail(404, 'Not Found. Provided secret id is invalid.');
      const s = secrets.get(id);
      if (!s || !store.live(s)) throw fail(404, 'Secret not found.');
      if (sub !== undefined && sub !== 'payload' && sub !== 'acl' && sub !== 'metadata') throw fail(404, 'The resource could not be found.');
      if (rest !== undefined && sub !== 'metadata') throw fail(404, 'The resource could not be found.');
      // SecretController._lookup: a metadata key takes GET, PUT and DELETE only, refused before any policy check.
      if (rest !== undefined && !['GET', 'PUT', 'DELETE'].includes(method)) throw fail(405, 'The method is not allowed for the requested URL.');
      return await secretResource(store, req, res, caller, s, sub, rest === undefined ? undefined : pathSegment(rest), reqId);
    } catch (e) {
      if (e instanceof BbError) return barbicanError(res, e.status, e.title, e.message, { 'x-openstack-request-id': reqId });
      barbicanError(res, 500, 'Internal Server Error', 'The development Barbican failed: ' + (e as Error).message, { 'x-openstack-request-id': reqId });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, opts.port ?? 0, host);
  store.url = `http://${urlHost(host)}:${port}`;
  return {
    server,
    url: store.url,
    secretCount: () => secrets.size,
    containerCount: () => containers.size,
    ownerOf: (ref) => {
      const id = ref.split('/').pop() ?? '';
      return (ref.includes('/v1/containers/') ? containers.get(id) : secrets.get(id))?.projectId;
    },
    close: () => closeServer(server),
  };
}
