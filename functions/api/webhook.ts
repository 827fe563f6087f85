import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { notFound, unavailable } from '../../lib/errors/index.js';
import { projectRoute, validateBody } from '../../lib/http/index.js';
import { sealSecret, webhookConfigSchema } from '../../lib/notify/index.js';
import { enforce } from '../../lib/policy/index.js';
import { webhooks, type WebhookRecord } from '../../lib/store/index.js';

/** Only the local stack delivers to 127.0.0.1 (its tests); a deployment never does. */
const urlOptions = () => ({ allowLocalhost: process.env.WEBHOOK_ALLOW_LOCALHOST === '1' });

const view = (h: WebhookRecord) => ({ url: h.url, events: h.events ?? null, created_at: h.createdAt, updated_at: h.updatedAt });

/**
 * PUT /v1/webhook — the project's webhook: `url` (https) and optionally `events` (actions). The
 * service makes the signing secret and shows it in this answer only; it is kept sealed to the
 * notifier's key, so not even this API can read it again. Putting again rotates the secret.
 */
// The body is checked against the webhook config without its secret (the service makes that).
export const put = projectRoute({ body: z.record(z.string(), z.unknown()), documentedBody: webhookConfigSchema().omit({ secret: true }) }, async ({ body, credentials }) => {
  enforce('ca:webhook:update', credentials, { project_id: credentials.projectId });
  const secret = randomBytes(32).toString('base64url');
  const config = validateBody(webhookConfigSchema(urlOptions()), { ...body, secret });
  const publicKey = process.env.NOTIFY_PUBLIC_KEY;
  if (!publicKey) throw unavailable('NOTIFY_UNAVAILABLE', 'Webhooks are not configured on this service.', 60);
  const now = new Date().toISOString();
  const previous = await webhooks.get(credentials.projectId);
  const hook: WebhookRecord = {
    id: 'webhook',
    projectId: credentials.projectId,
    url: config.url,
    ...(config.events ? { events: config.events } : {}),
    sealedSecret: await sealSecret(secret, publicKey),
    createdBy: credentials.userId,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  await webhooks.put(hook);
  return { status: previous ? 200 : 201, audit: { action: 'webhook.updated', object: { type: 'webhook', id: credentials.projectId } }, body: { webhook: view(hook), secret } };
});

/** GET /v1/webhook — where the project's events go (never the secret). */
export const get = projectRoute({}, async ({ credentials }) => {
  enforce('ca:webhook:get', credentials, { project_id: credentials.projectId });
  const hook = await webhooks.get(credentials.projectId);
  if (!hook) throw notFound('WEBHOOK_NOT_FOUND', 'This project has no webhook; PUT /v1/webhook sets one.');
  return { status: 200, body: { webhook: view(hook) } };
});

/** DELETE /v1/webhook — stops deliveries. */
export const remove = projectRoute({}, async ({ credentials }) => {
  enforce('ca:webhook:update', credentials, { project_id: credentials.projectId });
  if (!(await webhooks.delete(credentials.projectId))) throw notFound('WEBHOOK_NOT_FOUND', 'This project has no webhook.');
  return { status: 204, audit: { action: 'webhook.deleted', object: { type: 'webhook', id: credentials.projectId } } };
});
