import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, webhookSignatureFailure } from '../../../lib/notify/index.js';

const SECRET = 'whsec-0123456789abcdef0123456789abcdef';
const OTHER = 'whsec-fedcba9876543210fedcba9876543210';
const BODY = '{"id":"e1","detail":{"serial":"01"}}';
const T = 1_700_000_000;
const NOW = T * 1000;

describe('webhook signature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">, computable by any receiver', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${expected}`);
  });

  it('verifies the raw body it signed, as a string or as bytes', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW)).toBe(true);
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(BODY), new Date(NOW + 299_000))).toBe(true);
  });

  it('refuses a tampered body, a wrong secret, a tampered timestamp', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(webhookSignatureFailure(SECRET, header, BODY.replace('01', '02'), NOW)).toBe('SIGNATURE_MISMATCH');
    expect(webhookSignatureFailure(OTHER, header, BODY, NOW)).toBe('SIGNATURE_MISMATCH');
    // Moving t forward to get past the window breaks the MAC.
    expect(webhookSignatureFailure(SECRET, header.replace(`t=${T}`, `t=${T + 1000}`), BODY, NOW + 1_000_000)).toBe('SIGNATURE_MISMATCH');
    expect(verifyWebhookSignature(OTHER, header, BODY, NOW)).toBe(false);
  });

  it('refuses an authentic delivery outside the replay window, either side', () => {
    const header = signWebhook(SECRET, BODY, T);
    expect(webhookSignatureFailure(SECRET, header, BODY, NOW + 301_000)).toBe('SIGNATURE_STALE');
    expect(webhookSignatureFailure(SECRET, header, BODY, NOW - 301_000)).toBe('SIGNATURE_STALE');
    expect(webhookSignatureFailure(SECRET, header, BODY, NOW + 301_000, 600)).toBeUndefined();
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW + 301_000)).toBe(false);
  });

  it('refuses missing and malformed headers', () => {
    const v1 = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(webhookSignatureFailure(SECRET, undefined, BODY, NOW)).toBe('SIGNATURE_MISSING');
    expect(webhookSignatureFailure(SECRET, '', BODY, NOW)).toBe('SIGNATURE_MISSING');
    for (const h of [`v1=${v1}`, `t=${T}`, `t=${T},v1=${v1.slice(2)}`, `t=abc,v1=${v1}`, `t=${T},t=${T},v1=${v1}`, 'garbage', `t=${T},v1=${v1}`.padEnd(2000, ' ')]) {
      expect(webhookSignatureFailure(SECRET, h, BODY, NOW), h.slice(0, 40)).toBe('SIGNATURE_MALFORMED');
    }
    expect(webhookSignatureFailure(SECRET, [signWebhook(SECRET, BODY, T), signWebhook(SECRET, BODY, T)], BODY, NOW)).toBe('SIGNATURE_MALFORMED');
  });

  it('accepts any of several v1 signatures (secret rotation) and skips unknown schemes', () => {
    const both = signWebhook([OTHER, SECRET], BODY, T);
    expect(both.split(',')).toHaveLength(3);
    expect(verifyWebhookSignature(SECRET, both, BODY, NOW)).toBe(true);
    expect(verifyWebhookSignature(OTHER, both, BODY, NOW)).toBe(true);
    expect(verifyWebhookSignature(SECRET, `${signWebhook(SECRET, BODY, T)},v2=whatever`, BODY, NOW)).toBe(true);
  });

  it('never signs or verifies with an empty secret', () => {
    expect(() => signWebhook('', BODY, T)).toThrow();
    expect(() => verifyWebhookSignature('', signWebhook(SECRET, BODY, T), BODY, NOW)).toThrow();
  });
});
