import { AppError } from '../errors/index.js';

/**
 * Notifications leave the service in Amazon EventBridge's event shape (version, id, detail-type,
 * source, account, time, region, resources, detail), so a receiver can forward them to an event bus
 * or match them with the same rule syntax, and OpenStack's fields map onto it: the project is the
 * "account", the cloud region the "region", objects are URNs in "resources".
 */

export const EVENT_SOURCE = 'openstack.ca';
export const DEFAULT_REGION = 'RegionOne';

/**
 * The actions a project can subscribe to, with their `detail-type`. Receivers match on detail-type,
 * so it is a fixed table rather than derived from the action text: renaming an action must not
 * silently break their rules. `certificate.expiring` is sent 30, 7 and 1 days ahead, with
 * `detail.days_to_expiry` saying which (as ACM does with DaysToExpiry).
 */
export const NOTIFIABLE_ACTIONS = {
  'certificate.issued': 'Certificate Issued',
  'certificate.renewed': 'Certificate Renewed',
  'certificate.expiring': 'Certificate Expiring',
  'certificate.revoked': 'Certificate Revoked',
  'certificate.renewal_failed': 'Certificate Renewal Failed',
} as const;

export type NotifiableAction = keyof typeof NOTIFIABLE_ACTIONS;
export const NOTIFIABLE_ACTION_NAMES = Object.keys(NOTIFIABLE_ACTIONS) as [NotifiableAction, ...NotifiableAction[]];

export const isNotifiableAction = (action: string): action is NotifiableAction => Object.hasOwn(NOTIFIABLE_ACTIONS, action);

export interface NotifyEvent {
  id: string;
  /** ISO 8601. */
  time: string;
  projectId: string;
  action: string;
  object?: { type: string; id: string };
  reason?: string;
  /** Event-specific public fields (serial, not_after, days_to_expiry...): never a key, token or secret. */
  detail?: Record<string, unknown>;
}

export interface EventBridgeEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: typeof EVENT_SOURCE;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** "ca.created" → "CA Created": only for actions outside the table, which nobody subscribes to yet. */
function derivedDetailType(action: string): string {
  return action
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => (w === 'ca' ? 'CA' : w[0].toUpperCase() + w.slice(1)))
    .join(' ');
}

export const detailTypeOf = (action: string): string => (isNotifiableAction(action) ? NOTIFIABLE_ACTIONS[action] : derivedDetailType(action));

/** `urn:openstack:ca:<project>:<type>/<id>`, each part percent-encoded so an id cannot forge structure. */
export const resourceUrn = (projectId: string, type: string, id: string): string =>
  `urn:openstack:ca:${encodeURIComponent(projectId)}:${encodeURIComponent(type)}/${encodeURIComponent(id)}`;

/** EventBridge writes times to the second, in UTC ("2019-12-03T17:06:36Z"). */
function eventBridgeTime(time: string): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) throw new AppError('NOTIFY_EVENT_INVALID', 500, `Event time "${time}" is not a date.`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function toEventBridge(event: NotifyEvent, opts: { region?: string } = {}): EventBridgeEnvelope {
  if (!event.id || !event.projectId || !event.action) throw new AppError('NOTIFY_EVENT_INVALID', 500, 'An event needs an id, a project and an action.');
  return {
    version: '0',
    id: event.id,
    'detail-type': detailTypeOf(event.action),
    source: EVENT_SOURCE,
    account: event.projectId,
    time: eventBridgeTime(event.time),
    region: opts.region ?? DEFAULT_REGION,
    resources: event.object ? [resourceUrn(event.projectId, event.object.type, event.object.id)] : [],
    // The service's own fields come last: event-specific detail cannot overwrite what the event is.
    detail: {
      ...event.detail,
      action: event.action,
      project_id: event.projectId,
      ...(event.object ? { object: { type: event.object.type, id: event.object.id } } : {}),
      ...(event.reason !== undefined ? { reason: event.reason } : {}),
    },
  };
}
