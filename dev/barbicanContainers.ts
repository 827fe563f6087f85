// DEVELOPMENT ONLY — the development Barbican's container routes: /v1/containers, a container and its secrets.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aclResource } from './barbicanAcl.js';
import { denied, fail } from './barbicanErrors.js';
import { barbicanAllows, type BarbicanAction, type BarbicanCaller } from './barbicanPolicy.js';
import { cleanPaging, jsonBody, parseJson, sqlLike } from './barbicanRequest.js';
import type { BarbicanStore, Container } from './barbicanStore.js';
import { secretIdFromRef, validateContainer, validateContainerSecret } from './barbicanValidators.js';
import { barbicanTime, header, sendJson } from './http.js';

/** Container.to_dict_fields with hrefs (ContainerController.on_get); no consumers are ever registered here. */
const containerView = (store: BarbicanStore, c: Container) => ({
  status: 'ACTIVE',
  updated: barbicanTime(c.updated),
  name: c.name,
  consumers: [],
  created: barbicanTime(c.created),
  container_ref: store.containerRef(c.id),
  creator_id: c.creatorId,
  secret_refs: c.secretRefs.map((r) => ({ name: r.name, secret_ref: store.secretRef(r.secretId) })),
  type: c.type,
});

export async function containersCollection(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, query: URLSearchParams, reqId: string) {
  if (req.method === 'POST') {
    if (!barbicanAllows('containers:post', caller)) throw denied('Container creation');
    const d = validateContainer(await jsonBody(req), store.url);
    const refs = ((d.secret_refs ?? []) as Record<string, unknown>[]).map((r) => ({ name: (r.name ?? null) as string | null, secretId: secretIdFromRef(r.secret_ref as string) }));
    // Every secret must be one of the caller's project: another project's is not found, whatever its ACL says.
    for (const r of refs) if (!store.projectSecret(r.secretId, caller.projectId)) throw fail(404, `Secret provided for '${r.name ?? 'None'}' doesn't exist.`);
    const id = randomUUID();
    const t = store.now();
    store.containers.set(id, {
      id,
      name: (d.name ?? null) as string | null,
      type: d.type as Container['type'],
      projectId: caller.projectId,
      creatorId: caller.userId,
      created: t,
      updated: t,
      secretRefs: refs,
    });
    return sendJson(res, 201, { container_ref: store.containerRef(id) }, { Location: store.containerRef(id), 'x-openstack-request-id': reqId });
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!barbicanAllows('containers:get', caller)) throw denied('Containers(s) retrieval');
    // ContainerRepo.get_by_create_date: the project's containers by creation, name LIKE, type equal.
    const { offset, limit } = cleanPaging(query.get('offset'), query.get('limit'));
    const name = query.get('name') ? sqlLike(query.get('name')!) : undefined;
    const type = query.get('type');
    const all = [...store.containers.values()].filter((c) => c.projectId === caller.projectId && (!name || (c.name !== null && name.test(c.name))) && (!type || c.type === type));
    const page = all.slice(offset, offset + limit);
    if (!page.length) return sendJson(res, 200, { containers: [], total: all.length }, { 'x-openstack-request-id': reqId });
    const out: Record<string, unknown> = { containers: page.map((c) => containerView(store, c)) };
    const list = (o: number) => `${store.url}/v1/containers?limit=${limit}&offset=${o}`;
    if (offset > 0) out.previous = list(Math.max(0, offset - limit));
    if (all.length > offset + limit) out.next = list(offset + limit);
    out.total = all.length;
    return sendJson(res, 200, out, { 'x-openstack-request-id': reqId });
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}

export async function containerResource(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, c: Container, sub: string | undefined, reqId: string) {
  const may = (action: BarbicanAction) => barbicanAllows(action, caller, c);
  const method = req.method ?? 'GET';
  if (sub === 'acl') return aclResource(store, req, res, 'container', c, store.containerRef(c.id), may, reqId);
  if (sub === 'secrets') return containerSecrets(store, req, res, caller, c, may, reqId);
  if (method === 'GET' || method === 'HEAD') {
    if (!may('container:get')) throw denied('Container retrieval');
    return sendJson(res, 200, containerView(store, c), { 'x-openstack-request-id': reqId });
  }
  if (method === 'DELETE') {
    if (!may('container:delete')) throw denied('Container deletion');
    // ContainerRepo.delete_entity_by_id within the caller's project (the rule already asks for it).
    if (c.projectId !== caller.projectId) throw fail(404, 'Secrets container not found.');
    store.containers.delete(c.id);
    res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
    return;
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}

/** ContainersSecretsController: add (POST) or remove (DELETE) one secret of a generic container, by name and ref. */
async function containerSecrets(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, c: Container, may: (action: BarbicanAction) => boolean, reqId: string) {
  const method = req.method ?? 'GET';
  if (method === 'POST') {
    if (!may('container_secret:post')) throw denied('Container Secret creation');
    const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (ct !== 'application/json') throw fail(415, "Unexpected content type. Expected content types are: ['application/json']");
    if (c.type !== 'generic') throw fail(400, "Only 'generic' containers can be modified.");
    const d = validateContainerSecret(await jsonBody(req));
    const name = (d.name ?? null) as string | null;
    const secretId = (d.secret_ref as string).slice((d.secret_ref as string).lastIndexOf('/') + 1);
    if (!store.projectSecret(secretId, caller.projectId)) throw fail(404, "Secret provided doesn't exist.");
    if (c.secretRefs.some((r) => r.secretId === secretId && r.name === name)) {
      throw fail(409, 'Conflict. A secret with that name and ID is already stored in this container. The same secret can exist in a container as long as the name is unique.');
    }
    c.secretRefs.push({ name, secretId });
    return sendJson(res, 201, { container_ref: store.containerRef(c.id) }, { Location: store.containerRef(c.id), 'x-openstack-request-id': reqId });
  }
  if (method === 'DELETE') {
    if (!may('container_secret:delete')) throw denied('Container Secret deletion');
    // Any content type: the body is read as JSON all the same.
    const d = validateContainerSecret(await parseJson(req));
    const name = (d.name ?? null) as string | null;
    const secretId = (d.secret_ref as string).slice((d.secret_ref as string).lastIndexOf('/') + 1);
    if (!store.projectSecret(secretId, caller.projectId)) throw fail(404, `Secret '${name ?? 'None'}' with reference '${d.secret_ref as string}' doesn't exist.`);
    const kept = c.secretRefs.filter((r) => !(r.secretId === secretId && r.name === name));
    if (kept.length === c.secretRefs.length) throw fail(404, 'Secret provided is not in the container');
    c.secretRefs = kept;
    res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
    return;
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}
