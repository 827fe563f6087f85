/**
 * Webhook notifications: certificate events as EventBridge-shaped JSON, POSTed to a project's HTTPS
 * endpoint with an HMAC signature (X-CA-Signature), retries and backoff.
 *
 *   const config = webhookConfigSchema().parse(input);          // when a project saves its webhook
 *   if (wantsEvent(config, event.action))
 *     await deliverWebhook(config, toEventBridge(event, { region }));
 *
 * Receivers verify with verifyWebhookSignature(secret, header, rawBody) and dedupe on X-CA-Event-Id.
 *
 * The notifier makes requests to URLs tenants choose. The URL checks and the DNS check before each
 * attempt refuse internal destinations, but a name can be re-pointed between that look-up and the
 * connection, so the function that delivers must also run without a route to anything internal
 * (outside the VPC, or in one whose egress only reaches the internet), and hold nothing but the
 * webhook secrets it needs.
 */
export {
  DEFAULT_REGION,
  EVENT_SOURCE,
  NOTIFIABLE_ACTIONS,
  NOTIFIABLE_ACTION_NAMES,
  detailTypeOf,
  isNotifiableAction,
  resourceUrn,
  toEventBridge,
  type EventBridgeEnvelope,
  type NotifiableAction,
  type NotifyEvent,
} from './envelope.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
  webhookSignatureFailure,
  type SignatureFailure,
} from './signature.js';
export {
  WEBHOOK_SECRET_MAX_LENGTH,
  WEBHOOK_SECRET_MIN_LENGTH,
  isForbiddenAddress,
  wantsEvent,
  webhookConfigSchema,
  webhookUrlProblem,
  type WebhookConfig,
  type WebhookUrlOptions,
} from './config.js';
export {
  EVENT_ID_HEADER,
  USER_AGENT,
  backoffDelayMs,
  deliverWebhook,
  parseRetryAfter,
  type DeliveryError,
  type DeliveryOptions,
  type DeliveryResult,
} from './deliver.js';
export { sealSecret, openSecret } from './sealed.js';
export { enqueueNotification } from './queue.js';
