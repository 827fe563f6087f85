import { describe, expect, it } from 'vitest';
import { wantsEvent, webhookConfigSchema, webhookUrlProblem, type WebhookConfig } from '../../../lib/notify/index.js';

const SECRET = 'x'.repeat(32);

describe('webhook config', () => {
  it('accepts an https URL, a long enough secret and known events', () => {
    const c: WebhookConfig = webhookConfigSchema().parse({ url: 'https://hooks.example.org/ca?k=1', secret: SECRET, events: ['certificate.issued', 'certificate.expiring'] });
    expect(c.events).toEqual(['certificate.issued', 'certificate.expiring']);
    expect(webhookConfigSchema().parse({ url: 'https://203.0.114.9:8443/h', secret: SECRET }).events).toBeUndefined();
  });

  it('refuses a short secret, unknown or repeated events, an empty list, extra fields', () => {
    const s = webhookConfigSchema();
    expect(s.safeParse({ url: 'https://hooks.example.org/', secret: 'x'.repeat(31) }).success).toBe(false);
    expect(s.safeParse({ url: 'https://hooks.example.org/', secret: SECRET, events: ['certificate.issue'] }).success).toBe(false);
    expect(s.safeParse({ url: 'https://hooks.example.org/', secret: SECRET, events: ['certificate.issued', 'certificate.issued'] }).success).toBe(false);
    expect(s.safeParse({ url: 'https://hooks.example.org/', secret: SECRET, events: [] }).success).toBe(false);
    expect(s.safeParse({ url: 'https://hooks.example.org/', secret: SECRET, verify: false }).success).toBe(false);
  });

  it('wants https to a public destination', () => {
    expect(webhookUrlProblem('https://hooks.example.org/x')).toBeUndefined();
    const refused = [
      'http://hooks.example.org/x',
      'ftp://hooks.example.org/x',
      'hooks.example.org/x',
      'https://user:pass@hooks.example.org/x',
      'https://localhost/x',
      'https://LOCALHOST./x',
      'https://api.localhost/x',
      'https://metadata/x',
      'https://127.0.0.1/x',
      'https://2130706433/x',
      'https://0x7f.1/x',
      'https://10.1.2.3/x',
      'https://172.20.0.1/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/x',
      'https://0.0.0.0/x',
      'https://[::1]/x',
      'https://[::ffff:10.0.0.1]/x',
      'https://[::ffff:169.254.169.254]/x',
      'https://[fd00::1]/x',
      'https://[fe80::1]/x',
      'https://[64:ff9b::a00:1]/x',
      `https://hooks.example.org/${'a'.repeat(2100)}`,
    ];
    for (const url of refused) expect(webhookUrlProblem(url), url).toBeDefined();
  });

  it('allows loopback, over http too, only when told to', () => {
    for (const url of ['http://127.0.0.1:8080/h', 'http://localhost:8080/h', 'http://[::1]:8080/h', 'https://localhost/h']) {
      expect(webhookUrlProblem(url), url).toBeDefined();
      expect(webhookUrlProblem(url, { allowLocalhost: true }), url).toBeUndefined();
      expect(webhookConfigSchema({ allowLocalhost: true }).safeParse({ url, secret: SECRET }).success).toBe(true);
    }
    // The option is about loopback, not about the rest of the private ranges or plain http elsewhere.
    for (const url of ['http://10.0.0.1/h', 'https://10.0.0.1/h', 'http://hooks.example.org/h']) expect(webhookUrlProblem(url, { allowLocalhost: true }), url).toBeDefined();
  });

  it('filters on the subscribed actions', () => {
    expect(wantsEvent({ events: ['certificate.revoked'] }, 'certificate.revoked')).toBe(true);
    expect(wantsEvent({ events: ['certificate.revoked'] }, 'certificate.issued')).toBe(false);
    expect(wantsEvent({}, 'certificate.issued')).toBe(true);
    // Unsubscribable actions (the audit trail's) are never sent by default.
    expect(wantsEvent({}, 'policy.denied')).toBe(false);
  });
});
