import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { acmeUrls } from '../../lib/acme/urls.js';
import { eabView } from '../../lib/acme/apiViews.js';
import { notFound, unavailable } from '../../lib/errors/index.js';
import { sealSecret } from '../../lib/notify/index.js';
import { describeRoutes, pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce, isAllowed } from '../../lib/policy/index.js';
import { cas, eabKeys, type EabRecord } from '../../lib/store/index.js';

const DEFAULT_LIFETIME_S = 7 * 86400;
const MAX_LIFETIME_S = 30 * 86400;

const MintEabBody = z
  .object({
    /** Seconds until the key can no longer bind an account (default 7 days, at most 30). */
    expires_in: z.number().int().min(60).max(MAX_LIFETIME_S).default(DEFAULT_LIFETIME_S),
  })
  .strict();

/**
 * POST /v1/cas/{id}/acme/eab-keys — External Account Binding credentials for one CA's ACME
 * directory: a key id and HMAC key, shown once (kept only sealed to the ACME front end), single use.
 * What ACME cannot ask Keystone later (may this user have wildcards, a TTL beyond max) is decided
 * now, from the caller's roles, and recorded with the key.
 */
const mint = projectRoute({ params: { id: 'ca' }, body: MintEabBody }, async ({ params, body, credentials, baseUrl }) => {
  const { projectId, userId } = credentials;
  const target = { project_id: projectId };
  enforce('ca:acme:eab:create', credentials, target);
  const ca = await cas.get(projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  const publicKey = process.env.ACME_PUBLIC_KEY;
  if (!publicKey) throw unavailable('ACME_NOT_CONFIGURED', 'ACME is not configured on this cloud (ACME_PUBLIC_KEY); ask the operator.');
  const now = new Date();
  const kid = randomBytes(16).toString('base64url');
  const hmacKey = randomBytes(32).toString('base64url');
  const record: EabRecord = {
    id: kid,
    projectId,
    caId: ca.id,
    status: 'unused',
    sealedHmacKey: await sealSecret(hmacKey, publicKey),
    expiresAt: new Date(now.getTime() + body.expires_in * 1000).toISOString(),
    grants: { wildcard: isAllowed('ca:certificates:create:wildcard', credentials, target), ttlOverMax: isAllowed('ca:certificates:create:ttl_over_max', credentials, target) },
    createdBy: userId,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await eabKeys.create(record);
  return {
    status: 201,
    headers: { 'Cache-Control': 'no-store' },
    audit: { action: 'acme.eab.created', object: { type: 'eab_key', id: kid } },
    body: { eab_key: { ...eabView(record, now), hmac_key: hmacKey, directory_url: acmeUrls(baseUrl, projectId, ca.id).directory } },
  };
});

/** GET /v1/cas/{id}/acme/eab-keys — the CA's EAB keys (never their HMAC keys). */
const list = projectRoute({ params: { id: 'ca' } }, async ({ params, query, credentials, baseUrl }) => {
  enforce('ca:acme:eab:list', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  const { limit } = pageParams({ limit: query.limit });
  const marker = query.marker && /^[A-Za-z0-9_-]{1,64}$/.test(query.marker) ? query.marker : undefined;
  const page = await eabKeys.list(credentials.projectId, limit, marker, (e) => e.caId === ca.id);
  const now = new Date();
  return { status: 200, body: { eab_keys: page.items.map((e) => eabView(e, now)), eab_keys_links: pageLinks(`${baseUrl}/v1/cas/${ca.id}/acme/eab-keys`, query, limit, page.next) } };
});

export const handler = describeRoutes(
  (event: APIGatewayProxyEventV2, context: Context) => (event.requestContext?.http?.method === 'GET' ? list(event, context) : mint(event, context)),
  { 'POST /v1/cas/{id}/acme/eab-keys': mint, 'GET /v1/cas/{id}/acme/eab-keys': list },
);
