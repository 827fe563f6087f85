import { describe, expect, it } from 'vitest';
import { redact, tokenFingerprint } from '../../../lib/log/index.js';

describe('log redaction', () => {
  it('hides anything that looks like a secret, at any depth', () => {
    const out = JSON.stringify(redact({ token: 'gAAAA123', nested: { password: 'p', privateKey: 'k', list: [{ passphrase: 'x' }] }, Authorization: 'b', keyRef: 'ok' }));
    for (const s of ['gAAAA123', '"p"', '"k"', '"x"', '"b"']) expect(out).not.toContain(s);
    expect(out).toContain('keyRef');
  });
  it('fingerprints a token without revealing it', () => {
    expect(tokenFingerprint('secret-token')).toMatch(/^[0-9a-f]{12}$/);
    expect(tokenFingerprint('secret-token')).not.toContain('secret');
  });
});
