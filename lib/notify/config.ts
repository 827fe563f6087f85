import { BlockList, isIP } from 'node:net';
import * as z from 'zod';
import { NOTIFIABLE_ACTION_NAMES, type NotifiableAction } from './envelope.js';

/**
 * A project's webhook: where to POST, the HMAC secret, and which actions it wants. The URL is the
 * tenant's choice and the service makes the request, so it is held to what a public receiver looks
 * like: HTTPS, a host name with a dot or a public address, no credentials in it. Anything internal
 * (loopback, private, link-local, metadata addresses) is refused; only tests and local development
 * may opt in to loopback, never a deployment.
 */

export const WEBHOOK_SECRET_MIN_LENGTH = 32;
export const WEBHOOK_SECRET_MAX_LENGTH = 256;
const URL_MAX_LENGTH = 2048;

export interface WebhookUrlOptions {
  /** Development and tests only: allow http and https to localhost, 127.0.0.0/8 and ::1. */
  allowLocalhost?: boolean;
}

/**
 * Addresses no tenant's receiver should be at (IANA special-purpose registries). One list per family:
 * node's BlockList also matches IPv4 addresses against IPv6 rules in their mapped form, which would
 * make ::ffff:0:0/96 refuse every IPv4 address.
 */
const NOT_PUBLIC_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC_V4.addSubnet(net, prefix, 'ipv4');
const NOT_PUBLIC_V6 = new BlockList();
for (const [net, prefix] of [
  // Mapped, NAT64 and 6to4 addresses embed an IPv4 one, which could be any of the above.
  ['::', 127], ['::ffff:0:0', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) NOT_PUBLIC_V6.addSubnet(net, prefix, 'ipv6');

const LOOPBACK_V4 = new BlockList();
LOOPBACK_V4.addSubnet('127.0.0.0', 8, 'ipv4');

const isLoopbackAddress = (address: string, family: number) =>
  family === 4 ? LOOPBACK_V4.check(address, 'ipv4') : address === '::1' || LOOPBACK_V4.check(address, 'ipv6');

/** True for an address literal ("10.0.0.1", "::1") a webhook must not reach. */
export function isForbiddenAddress(address: string, opts: WebhookUrlOptions = {}): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (opts.allowLocalhost && isLoopbackAddress(address, family)) return false;
  return family === 4 ? NOT_PUBLIC_V4.check(address, 'ipv4') : NOT_PUBLIC_V6.check(address, 'ipv6');
}

const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** Why `url` cannot be a webhook, or undefined if it can. Checked when saved and again before each delivery. */
export function webhookUrlProblem(url: string, opts: WebhookUrlOptions = {}): string | undefined {
  if (url.length > URL_MAX_LENGTH) return `must be at most ${URL_MAX_LENGTH} characters`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  // They would be sent to the receiver and stored and shown as part of the URL: the secret is the way to authenticate.
  if (u.username || u.password) return 'must not contain credentials';
  // The WHATWG parser has already turned "2130706433" or "0x7f.1" into a dotted quad; brackets go for isIP.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const family = isIP(host);
  const ip = family !== 0;
  const loopback = ip ? isLoopbackAddress(host, family) : isLocalhostName(host);
  const local = opts.allowLocalhost === true && loopback;
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) return 'must be an https URL';
  if (local) return undefined;
  if (ip) return isForbiddenAddress(host) ? 'must not be a private, loopback or reserved address' : undefined;
  // "localhost", "metadata", "consul": single-label names resolve to something internal, never to a public receiver.
  if (isLocalhostName(host) || !host.includes('.')) return 'must have a public host name';
  return undefined;
}

export const webhookConfigSchema = (opts: WebhookUrlOptions = {}) =>
  z
    .object({
      url: z.string().superRefine((url, ctx) => {
        const problem = webhookUrlProblem(url, opts);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      secret: z.string().min(WEBHOOK_SECRET_MIN_LENGTH, `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters`).max(WEBHOOK_SECRET_MAX_LENGTH),
      /** Absent: every notifiable action. */
      events: z
        .array(z.enum(NOTIFIABLE_ACTION_NAMES))
        .min(1, 'leave it out to receive every event')
        .refine((a) => new Set(a).size === a.length, 'lists an event twice')
        .optional(),
    })
    .strict();

export interface WebhookConfig {
  url: string;
  secret: string;
  events?: NotifiableAction[];
}

/** Whether `config` subscribes to `action`. */
export const wantsEvent = (config: Pick<WebhookConfig, 'events'>, action: string): boolean =>
  config.events ? (config.events as string[]).includes(action) : (NOTIFIABLE_ACTION_NAMES as string[]).includes(action);
