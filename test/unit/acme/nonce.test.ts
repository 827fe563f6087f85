import { describe, expect, it } from 'vitest';
import { checkNonce, mintNonce } from '../../../lib/acme/index.js';

const secret = Buffer.alloc(32, 7);
const now = new Date('2030-01-01T00:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('stateless nonces', () => {
  it('checks a nonce it minted until it expires', () => {
    const nonce = mintNonce(secret, now, 600);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{54}$/);
    expect(checkNonce(secret, nonce, now)).toEqual({ expiresAt: later(600) });
    expect(checkNonce(secret, nonce, later(599))).toEqual({ expiresAt: later(600) });
    expect(mintNonce(secret, now)).not.toBe(nonce);
    expect(checkNonce(secret, mintNonce(secret, now), later(3599))).toEqual({ expiresAt: later(3600) });
  });

  it('refuses an expired nonce', () => {
    const nonce = mintNonce(secret, now, 60);
    expect(checkNonce(secret, nonce, later(60))).toBeUndefined();
    expect(checkNonce(secret, nonce, later(86_400))).toBeUndefined();
    expect(checkNonce(secret, mintNonce(secret, now, 0), now)).toBeUndefined();
  });

  it('refuses every one-bit forgery', () => {
    const raw = Buffer.from(mintNonce(secret, now), 'base64url');
    for (let bit = 0; bit < raw.length * 8; bit++) {
      const forged = Buffer.from(raw);
      forged[bit >> 3] ^= 1 << (bit & 7);
      expect(checkNonce(secret, forged.toString('base64url'), now), `bit ${bit}`).toBeUndefined();
    }
  });

  it('refuses a nonce minted with another secret', () => {
    expect(checkNonce(Buffer.alloc(32, 8), mintNonce(secret, now), now)).toBeUndefined();
  });

  it('checks a nonce only in the scope (directory) it was minted for', () => {
    const nonce = mintNonce(secret, now, 600, 'p1/ca1');
    expect(checkNonce(secret, nonce, now, 'p1/ca1')).toEqual({ expiresAt: later(600) });
    for (const other of ['p2/ca1', 'p1/ca2', '', 'p1/ca1 ']) expect(checkNonce(secret, nonce, now, other), other).toBeUndefined();
    expect(checkNonce(secret, mintNonce(secret, now), now, 'p1/ca1')).toBeUndefined();
  });

  it('refuses a second spelling of a valid nonce (spare bits in the last character)', () => {
    const nonce = mintNonce(secret, now);
    const last = ALPHABET.indexOf(nonce[53]);
    const respelled = nonce.slice(0, 53) + ALPHABET[(last & 0b110000) | ((last + 1) & 0b001111)];
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(nonce, 'base64url'))).toBe(true);
    expect(checkNonce(secret, respelled, now)).toBeUndefined();
  });

  it('refuses garbage', () => {
    const nonce = mintNonce(secret, now);
    for (const garbage of ['', 'abc', '!'.repeat(54), `${nonce}=`, `${nonce}AA`, nonce.slice(0, 52), nonce.replace(/^./, '+'), ' '.repeat(54)]) {
      expect(checkNonce(secret, garbage, now), garbage).toBeUndefined();
    }
    expect(checkNonce(secret, 42 as unknown as string, now)).toBeUndefined();
  });
});
