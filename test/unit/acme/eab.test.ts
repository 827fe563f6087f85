import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcmeProblem, verifyEab, verifyKeyChange, type AcmeErrorType } from '../../../lib/acme/index.js';
import { b64, mac, NONCE, newKey, sign, URL, type TestKey } from './support.js';

async function expectProblem(p: Promise<unknown>, type: AcmeErrorType, detail?: RegExp): Promise<void> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AcmeProblem);
  const problem = e as AcmeProblem;
  expect(problem.type, problem.detail).toBe(type);
  if (detail !== undefined) expect(problem.detail).toMatch(detail);
}

const EAB_KID = 'eab-kid-1';
const hmacKey = randomBytes(32);
const hmacKeyOf = async (kid: string) => (kid === EAB_KID ? hmacKey : undefined);

let account: TestKey;
let other: TestKey;
let rsa: TestKey;
beforeAll(async () => {
  account = await newKey('ES256');
  other = await newKey('ES256');
  rsa = await newKey('RS256');
});

describe('verifyEab (RFC 8555 7.3.4)', () => {
  const opts = () => ({ accountJwk: account.jwk, url: URL, hmacKeyOf });

  it('accepts a binding of the account key by a known EAB key', async () => {
    const eab = await mac(hmacKey, { kid: EAB_KID, url: URL }, account.jwk);
    expect(await verifyEab(eab, opts())).toEqual({ kid: EAB_KID });
    for (const alg of ['HS384', 'HS512']) {
      expect(await verifyEab(await mac(hmacKey, { alg, kid: EAB_KID, url: URL }, account.jwk), opts())).toEqual({ kid: EAB_KID });
    }
  });

  it('refuses a wrong MAC as unauthorized', async () => {
    const eab = await mac(randomBytes(32), { kid: EAB_KID, url: URL }, account.jwk);
    await expectProblem(verifyEab(eab, opts()), 'unauthorized', /MAC is invalid/);
  });

  it('refuses an unknown kid as unauthorized', async () => {
    const eab = await mac(hmacKey, { kid: 'someone-else', url: URL }, account.jwk);
    await expectProblem(verifyEab(eab, opts()), 'unauthorized', /unknown/);
  });

  it('refuses another url', async () => {
    const eab = await mac(hmacKey, { kid: EAB_KID, url: `${URL}/other` }, account.jwk);
    await expectProblem(verifyEab(eab, opts()), 'malformed', /"url"/);
  });

  it('refuses a payload that is another key', async () => {
    const eab = await mac(hmacKey, { kid: EAB_KID, url: URL }, other.jwk);
    await expectProblem(verifyEab(eab, opts()), 'malformed', /must be the account key/);
    await expectProblem(verifyEab(await mac(hmacKey, { kid: EAB_KID, url: URL }, { kty: 'EC' }), opts()), 'malformed', /lacks the members/);
    await expectProblem(verifyEab(await mac(hmacKey, { kid: EAB_KID, url: URL }, [1]), opts()), 'malformed', /JSON object/);
  });

  it('refuses a nonce or a jwk in the header', async () => {
    await expectProblem(verifyEab(await mac(hmacKey, { kid: EAB_KID, url: URL, nonce: NONCE }, account.jwk), opts()), 'malformed', /"nonce"/);
    await expectProblem(verifyEab(await mac(hmacKey, { kid: EAB_KID, url: URL, jwk: account.jwk }, account.jwk), opts()), 'malformed', /"jwk"/);
  });

  it('refuses a signature algorithm (RS256) and none', async () => {
    const signed = await sign(rsa, { kid: EAB_KID, url: URL }, account.jwk);
    await expectProblem(verifyEab(signed, opts()), 'badSignatureAlgorithm', /HS256, HS384, HS512/);
    const none = { protected: b64({ alg: 'none', kid: EAB_KID, url: URL }), payload: b64(account.jwk), signature: 'AA' };
    await expectProblem(verifyEab(none, opts()), 'badSignatureAlgorithm');
  });

  it('refuses shapes that are not a strict flattened JWS', async () => {
    const eab = await mac(hmacKey, { kid: EAB_KID, url: URL }, account.jwk);
    for (const bad of [undefined, null, 'eab', [eab], { ...eab, header: {} }, { ...eab, extra: true }, { ...eab, payload: 1 }, { ...eab, payload: '' }]) {
      await expectProblem(verifyEab(bad, opts()), 'malformed');
    }
    await expectProblem(verifyEab(await mac(hmacKey, { url: URL }, account.jwk), opts()), 'malformed', /"kid"/);
  });
});

describe('verifyKeyChange (RFC 8555 7.3.5)', () => {
  const OUTER = 'https://acme.example.test/acme/ca1/key-change';
  const ACCOUNT = 'https://acme.example.test/acme/ca1/acct/1';
  const opts = () => ({ outerUrl: OUTER, accountUrl: ACCOUNT, oldJwk: account.jwk });
  const inner = (newKey: TestKey, header: Record<string, unknown> = {}, payload: unknown = { account: ACCOUNT, oldKey: account.jwk }) =>
    sign(newKey, { jwk: newKey.jwk, url: OUTER, ...header }, payload);

  it('accepts the new key signing over the account and the old key', async () => {
    for (const newKey of [other, rsa]) {
      const { newJwk, thumbprint } = await verifyKeyChange(await inner(newKey), opts());
      expect(thumbprint).toBe(await calculateJwkThumbprint(newKey.jwk, 'sha256'));
      expect(await calculateJwkThumbprint(newJwk, 'sha256')).toBe(thumbprint);
    }
  });

  it('refuses another url', async () => {
    await expectProblem(verifyKeyChange(await inner(other, { url: `${OUTER}x` }), opts()), 'malformed', /"url"/);
  });

  it('refuses an oldKey that is not the account key, and another account', async () => {
    await expectProblem(verifyKeyChange(await inner(other, {}, { account: ACCOUNT, oldKey: rsa.jwk }), opts()), 'malformed', /"oldKey"/);
    await expectProblem(verifyKeyChange(await inner(other, {}, { account: ACCOUNT }), opts()), 'malformed', /"oldKey"/);
    await expectProblem(verifyKeyChange(await inner(other, {}, { account: `${ACCOUNT}2`, oldKey: account.jwk }), opts()), 'malformed', /"account"/);
    await expectProblem(verifyKeyChange(await inner(other, {}, ''), opts()), 'malformed', /JSON object/);
  });

  it('refuses an inner JWS with kid', async () => {
    const withKid = await sign(other, { kid: ACCOUNT, url: OUTER }, { account: ACCOUNT, oldKey: account.jwk });
    await expectProblem(verifyKeyChange(withKid, opts()), 'malformed', /"jwk", not a "kid"/);
  });

  it('refuses an inner JWS with a nonce', async () => {
    await expectProblem(verifyKeyChange(await inner(other, { nonce: NONCE }), opts()), 'malformed', /"nonce"/);
  });

  it('refuses an inner JWS not signed by the key it carries, and the current key as the new one', async () => {
    // `other` carried, the signature by `account`'s key over another payload.
    const a = await inner(other);
    const b = await inner(account);
    await expectProblem(verifyKeyChange({ ...a, signature: b.signature }, opts()), 'malformed', /signature invalid/);
    await expectProblem(verifyKeyChange(await inner(account), opts()), 'malformed', /current key/);
  });

  it('refuses an unprotected header and a weak new key like any JWS', async () => {
    const good = await inner(other);
    await expectProblem(verifyKeyChange({ ...good, header: { nonce: NONCE } }, opts()), 'malformed', /unprotected/);
    const priv = { ...other.jwk, d: 'AAAA' };
    await expectProblem(verifyKeyChange(await sign(other, { jwk: priv, url: OUTER }, { account: ACCOUNT, oldKey: account.jwk }), opts()), 'badPublicKey');
  });
});
