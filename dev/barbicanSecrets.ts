// DEVELOPMENT ONLY — the development Barbican's secret routes: /v1/secrets, a secret, its payload and its user metadata.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { aclResource } from './barbicanAcl.js';
import { denied, fail, issue } from './barbicanErrors.js';
import { barbicanAllows, type BarbicanAction, type BarbicanCaller } from './barbicanPolicy.js';
import { cleanPaging, jsonBody, sqlLike, unquotePlus } from './barbicanRequest.js';
import type { BarbicanStore, Secret } from './barbicanStore.js';
import { BINARY, isSupported, MAX_SECRET_BYTES, PLAIN_TEXT, validateMetadata, validateMetadatum, validateNewSecret } from './barbicanValidators.js';
import { barbicanTime, header, readBody, sendJson } from './http.js';

// The real metadata does not show the owning project (nor the ACL).
const metadata = (store: BarbicanStore, s: Secret) => ({
  created: barbicanTime(s.created),
  updated: barbicanTime(s.updated),
  status: 'ACTIVE',
  name: s.name,
  secret_type: s.secretType,
  expiration: s.expiration === null ? null : barbicanTime(s.expiration),
  algorithm: s.algorithm,
  bit_length: s.bitLength,
  mode: s.mode,
  creator_id: s.creatorId,
  ...(s.contentType ? { content_types: { default: s.contentType } } : {}),
  secret_ref: store.secretRef(s.id),
});

/** _on_get_secret_payload: the Accept header picks the form; no Accept means octet-stream, */
/** and a wildcard the stored type. */
function payloadResponse(req: IncomingMessage, res: ServerResponse, s: Secret, operation: string, reqId: string) {
  let accept = header(req, 'accept') || 'application/octet-stream';
  if (!s.payload || !s.contentType) throw fail(404, 'Not Found. Sorry but your secret has no payload.');
  if (accept === '*/*') accept = s.contentType;
  if (!isSupported(accept)) throw issue(operation, 406, 'Wrong payload content-type');
  let body: Buffer;
  if (PLAIN_TEXT.includes(accept)) {
    try {
      body = Buffer.from(new TextDecoder('utf-8', { fatal: true }).decode(s.payload), 'utf8');
    } catch {
      throw issue(operation, 406, 'Wrong payload content-type');
    }
  } else if (BINARY.includes(accept)) {
    body = s.payload;
  } else {
    throw issue(operation, 400, `content-type of '${accept}' not supported`);
  }
  res.writeHead(200, { 'Content-Type': accept, 'Content-Length': String(body.length), 'x-openstack-request-id': reqId });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** SecretsController._is_valid_sorting (else a 400), then _build_sort_filter_query: ORDER BY each key (NULL first, as SQL sorts it ascending). */
function secretOrder(sort: string): (a: Secret, b: Secret) => number {
  const columns: Record<string, (s: Secret) => string | number | null> = {
    algorithm: (s) => s.algorithm,
    bit_length: (s) => s.bitLength,
    created: (s) => s.created,
    expiration: (s) => s.expiration,
    mode: (s) => s.mode,
    name: (s) => s.name,
    secret_type: (s) => s.secretType,
    status: () => 'ACTIVE',
    updated: (s) => s.updated,
  };
  const keys = sort.split(',').map((part) => (part.includes(':') ? part.split(':') : [part, 'asc']));
  const valid = keys.every(([key, direction, extra], i) => extra === undefined && key in columns && (direction === 'asc' || direction === 'desc') && keys.findIndex(([k]) => k === key) === i);
  if (!valid) throw fail(400, 'URI provided invalid query string parameters.');
  return (a, b) => {
    for (const [key, direction] of keys) {
      const [x, y] = [columns[key](a), columns[key](b)];
      const c = x === y ? 0 : x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      if (c) return direction === 'asc' ? c : -c;
    }
    return 0;
  };
}

export async function secretsCollection(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, query: URLSearchParams, reqId: string) {
  if (req.method === 'POST') {
    if (!barbicanAllows('secrets:post', caller)) throw denied('Secret creation');
    const { d, expiration, payload, normalized } = validateNewSecret(await jsonBody(req), store.now);
    const id = randomUUID();
    const t = store.now();
    store.secrets.set(id, {
      id,
      name: typeof d.name === 'string' ? d.name : null,
      projectId: caller.projectId,
      creatorId: caller.userId,
      secretType: (d.secret_type as string | undefined) ?? 'opaque',
      algorithm: (d.algorithm as string | undefined) ?? null,
      bitLength: (d.bit_length as number | undefined) ?? null,
      mode: (d.mode as string | undefined) ?? null,
      expiration,
      created: t,
      updated: t,
      payload,
      contentType: normalized,
      userMeta: new Map(),
    });
    return sendJson(res, 201, { secret_ref: store.secretRef(id) }, { Location: store.secretRef(id), 'x-openstack-request-id': reqId });
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!barbicanAllows('secrets:get', caller)) throw denied('Secret(s) retrieval');
    const int = (v: string | null, dflt: number) => (v !== null && /^\s*[+-]?\d+\s*$/.test(v) ? parseInt(v, 10) : dflt);
    // SecretRepo.get_secret_list: clean_paging_values, as for containers.
    const { offset, limit } = cleanPaging(query.get('offset'), query.get('limit'));
    // SecretsController.on_get unquotes the (already decoded) name once more.
    const name = query.get('name') ? sqlLike(unquotePlus(query.get('name')!)) : undefined;
    const order = query.get('sort') ? secretOrder(query.get('sort')!) : undefined;
    const alg = query.get('alg') ? sqlLike(query.get('alg')!) : undefined;
    const mode = query.get('mode') ? sqlLike(query.get('mode')!) : undefined;
    const bits = int(query.get('bits'), 0);
    const type = query.get('secret_type');
    const aclOnly = (query.get('acl_only') ?? '').toLowerCase() === 'true';
    const all = [...store.secrets.values()].filter(
      (s) =>
        store.live(s) &&
        (aclOnly ? !!s.readAcl?.users.includes(caller.userId) : s.projectId === caller.projectId) &&
        (!name || (s.name !== null && name.test(s.name))) &&
        (!alg || (s.algorithm !== null && alg.test(s.algorithm))) &&
        (!mode || (s.mode !== null && mode.test(s.mode))) &&
        (bits <= 0 || s.bitLength === bits) &&
        (!type || s.secretType === type),
    );
    if (order) all.sort(order);
    const page = all.slice(offset, offset + limit);
    const out: Record<string, unknown> = { secrets: page.map((s) => metadata(store, s)) };
    if (page.length) {
      const list = (o: number) => `${store.url}/v1/secrets?limit=${limit}&offset=${o}`;
      if (offset > 0) out.previous = list(Math.max(0, offset - limit));
      if (all.length > offset + limit) out.next = list(offset + limit);
    }
    out.total = all.length;
    return sendJson(res, 200, out, { 'x-openstack-request-id': reqId });
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}

export async function secretResource(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, caller: BarbicanCaller, s: Secret, sub: string | undefined, key: string | undefined, reqId: string) {
  const may = (action: BarbicanAction) => barbicanAllows(action, caller, s);
  const method = req.method ?? 'GET';
  if (sub === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      // A GET with an Accept other than JSON is the deprecated way to read the payload (rule secret:decrypt).
      const accept = header(req, 'accept');
      const wantsJson = accept === undefined || accept === 'application/json' || accept === '*/*';
      if (!may(wantsJson ? 'secret:get' : 'secret:decrypt')) throw denied('Secret retrieval');
      if (wantsJson) return sendJson(res, 200, metadata(store, s), { 'x-openstack-request-id': reqId });
      return payloadResponse(req, res, s, 'Secret retrieval', reqId);
    }
    if (method === 'DELETE') {
      if (!may('secret:delete')) throw denied('Secret deletion');
      store.secrets.delete(s.id);
      // Secret._do_delete_children: its container references go too (its user metadata and ACLs with it).
      for (const c of store.containers.values()) c.secretRefs = c.secretRefs.filter((r) => r.secretId !== s.id);
      res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    if (method === 'PUT') {
      if (!may('secret:put')) throw denied('Secret update');
      const ct = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (ct !== 'application/octet-stream' && ct !== 'text/plain') {
        throw fail(415, "Unexpected content type. Expected content types are: ['application/octet-stream', 'text/plain']");
      }
      const raw = await readBody(req, 1 << 20);
      if (!raw.length) throw issue('Secret update', 400, 'No data supplied to process.');
      if (raw.length > MAX_SECRET_BYTES) throw issue('Secret update', 413, 'Provided information too large to process');
      if (s.payload) throw fail(409, 'Secret already has data, cannot modify it.');
      const encoding = (header(req, 'content-encoding') ?? '').toLowerCase();
      s.payload = ct === 'application/octet-stream' && encoding === 'base64' ? Buffer.from(raw.toString('latin1'), 'base64') : raw;
      s.contentType = ct;
      s.updated = store.now();
      res.writeHead(204, { 'x-openstack-request-id': reqId }).end();
      return;
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }
  if (sub === 'payload') {
    if (!may('secret:decrypt')) throw denied('Secret payload retrieval');
    if (method !== 'GET' && method !== 'HEAD') throw fail(405, 'The method is not allowed for the requested URL.');
    return payloadResponse(req, res, s, 'Secret payload retrieval', reqId);
  }
  if (sub === 'metadata') return secretMetadata(store, req, res, s, key, may, reqId);
  return aclResource(store, req, res, 'secret', s, store.secretRef(s.id), may, reqId);
}

/**
 * SecretMetadataController (`/metadata`: GET, PUT replaces all, POST adds one key) and SecretMetadatumController
 * (`/metadata/{key}`: GET, PUT, DELETE). Keys are stored lower-cased; the `{key}` of a URL is taken as it is.
 */
async function secretMetadata(store: BarbicanStore, req: IncomingMessage, res: ServerResponse, s: Secret, key: string | undefined, may: (action: BarbicanAction) => boolean, reqId: string) {
  const method = req.method ?? 'GET';
  const metadataRef = `${store.secretRef(s.id)}/metadata`;
  const hdr = { 'x-openstack-request-id': reqId };
  if (key === undefined) {
    if (method === 'GET' || method === 'HEAD') {
      if (!may('secret_meta:get')) throw denied('Secret metadata retrieval');
      return sendJson(res, 200, { metadata: Object.fromEntries(s.userMeta) }, hdr);
    }
    if (method === 'PUT') {
      if (!may('secret_meta:put')) throw denied('Secret metadata creation');
      s.userMeta = validateMetadata(await jsonBody(req));
      return sendJson(res, 201, { metadata_ref: metadataRef }, hdr);
    }
    if (method === 'POST') {
      if (!may('secret_meta:post')) throw denied('Secret metadatum creation');
      const d = validateMetadatum(await jsonBody(req));
      if (s.userMeta.has(d.key)) throw fail(409, 'Conflict. Key in request is already in the secret metadata');
      s.userMeta.set(d.key, d.value);
      return sendJson(res, 201, d, { Location: `${metadataRef}/${d.key}`, ...hdr });
    }
    throw fail(405, 'The method is not allowed for the requested URL.');
  }
  // SecretController._lookup answers other methods on a key before any policy check.
  if (method === 'GET') {
    if (!may('secret_meta:get')) throw denied('Secret metadatum retrieval');
    const value = s.userMeta.get(key);
    if (value === undefined) throw fail(404, 'Secret metadata not found.');
    return sendJson(res, 200, { key, value }, hdr);
  }
  if (method === 'PUT') {
    if (!may('secret_meta:put')) throw denied('Secret metadatum update');
    const d = validateMetadatum(await jsonBody(req));
    if (!s.userMeta.has(key)) throw fail(404, 'Secret metadata not found.');
    // Sic: Barbican's message stops there (a string continuation on its own line).
    if (key !== d.key) throw fail(409, 'Key in request data does not match key in the ');
    s.userMeta.set(d.key, d.value);
    return sendJson(res, 200, d, hdr);
  }
  if (method === 'DELETE') {
    if (!may('secret_meta:delete')) throw denied('Secret metadatum removal');
    // No existence check: deleting an absent key is a 204 too.
    s.userMeta.delete(key);
    res.writeHead(204, hdr).end();
    return;
  }
  throw fail(405, 'The method is not allowed for the requested URL.');
}
