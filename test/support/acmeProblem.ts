import { expect } from 'vitest';
import type { AcmeAnswer } from './acmeJws.js';

/** Every ACME error answer: problem+json, an ACME URN (of `type`, if given), a fresh nonce, never 5xx. */
export function expectProblem(res: AcmeAnswer, type?: string, status?: number): void {
  const what = `${res.status} ${res.text.slice(0, 400)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  if (status !== undefined) expect(res.status, what).toBe(status);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  expect(res.body?.type, what).toMatch(type === undefined ? /^urn:ietf:params:acme:error:[A-Za-z]+$/ : new RegExp(`^urn:ietf:params:acme:error:${type}$`));
  expect(res.headers.get('replay-nonce'), what).toMatch(/^[A-Za-z0-9_-]{20,}$/);
}
