// DEVELOPMENT ONLY — the development Barbican's ACL routes of secrets and containers (/acl).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { denied, fail } from './barbicanErrors.js';
import type { BarbicanAction } from './barbicanPolicy.js';
import { jsonBody } from './barbicanRequest.js';
import type { BarbicanStore, SecretAcl } from './barbicanStore.js';
import { validateAcl } from './barbicanValidators.js';
import { barbicanTime, sendJson } from './http.js';

/** SecretACLsController and ContainerACLsController: the same routes, answers and rules (secret_acls:*, container_acls:*). */
export async function aclResource(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, kind: 'secret' | 'container', o: { readAcl?: SecretAcl }, ref: string, may: (action: BarbicanAction) => boolean, reqId: string) {
  const method = req.method ?? 'GET';
  const title = kind === 'secret' ? 'SecretACL' : 'ContainerACL';
  if (method === 'GET' || method === 'HEAD') {
    if (!may(`${kind}_acls:get`)) throw denied(`${title}(s) retrieval`);
    const a = o.readAcl;
    const body = a ? { read: { 'project-access': a.projectAccess, users: a.users, created: barbicanTime(a.created), updated: barbicanTime(a.updated) } } : { read: { 'project-access': true } };
    return sendJson(res, 200, body, { 'x-openstack-request-id': reqId });
  }
  if (method === 'PUT' || method === 'PATCH') {
    if (!may(`${kind}_acls:put_patch`)) throw denied(`${title}(s) Update`);
    const data = validateAcl(await jsonBody(req));
    const read = data.read as Record<string, unknown> | undefined;
    const t = store.now();
    // Python's truthiness: an empty "read" object counts as absent.
    if (read && Object.keys(read).length) {
      const users = read.users as string[] | undefined;
      const access = read['project-access'] as boolean | undefined;
      const prev = o.readAcl;
      o.readAcl =
        method === 'PUT'
          ? { users: users ?? [], projectAccess: access ?? true, created: prev?.created ?? t, updated: t }
          : { users: users ?? prev?.users ?? [], projectAccess: access ?? prev?.projectAccess ?? true, created: prev?.created ?? t, updated: t };
    } else if (method === 'PUT') {
      o.readAcl = undefined;
    }
    return sendJson(res, 200, { acl_ref: `${ref}/acl` }, { 'x-openstack-request-id': reqId });
  }
  if (method === 'DELETE') {
    if (!may(`${kind}_acls:delete`)) throw denied(`${title}(s) deletion`);
    o.readAcl = undefined;
    res.writeHead(200, { 'x-openstack-request-id': reqId }).end();
    return;
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}
