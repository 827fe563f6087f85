import { createHash, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_ALGORITHMS,
  AcmeProblem,
  dns01Value,
  keyAuthorization,
  parseJws,
  payloadJson,
  problemDocument,
  verifyWithAccountKey,
  verifyWithJwk,
  type AcmeErrorType,
} from '../../../lib/acme/index.js';
import { b64, NONCE, newKey, rawBody, sign, URL, type Jws, type TestKey } from './support.js';

const KID = 'https://acme.example.test/acme/ca1/acct/1';

/** Runs `f` and returns the AcmeProblem it throws (failing if it throws anything else or nothing). */
async function problemOf(f: () => unknown): Promise<AcmeProblem> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(AcmeProblem);
    return e as AcmeProblem;
  }
  throw new Error('expected an AcmeProblem');
}

async function expectProblem(f: () => unknown, type: AcmeErrorType, detail?: RegExp | string, status?: number): Promise<void> {
  const p = await problemOf(f);
  expect(p.type, p.detail).toBe(type);
  if (detail !== undefined) expect(p.detail).toMatch(detail);
  if (status !== undefined) expect(p.status).toBe(status);
}

const keys: Record<string, TestKey> = {};
beforeAll(async () => {
  for (const alg of ACCOUNT_ALGORITHMS) keys[alg] = await newKey(alg);
  keys['P-256b'] = await newKey('ES256');
});

const body = (jws: Jws | Record<string, unknown>) => JSON.stringify(jws);
const jwkSigned = (key: TestKey, payload: unknown = { termsOfServiceAgreed: true }, extra: Record<string, unknown> = {}) =>
  sign(key, { jwk: key.jwk, nonce: NONCE, url: URL, ...extra }, payload);

describe('parseJws + verifyWithJwk / verifyWithAccountKey', () => {
  it.each(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA'])('accepts %s, embedded jwk and kid', async (alg) => {
    const key = keys[alg];
    const { jws, header } = parseJws(body(await jwkSigned(key)));
    expect(header).toEqual({ alg, nonce: NONCE, url: URL, jwk: key.jwk });
    const verified = await verifyWithJwk(jws, header);
    expect(payloadJson(verified.payload)).toEqual({ termsOfServiceAgreed: true });
    expect(verified.thumbprint).toBe(await calculateJwkThumbprint(key.jwk, 'sha256'));
    expect(verified.jwk).not.toHaveProperty('ext');
    expect(verified.jwk).not.toHaveProperty('key_ops');

    const kidSigned = parseJws(body(await sign(key, { kid: KID, nonce: NONCE, url: URL }, { status: 'deactivated' })));
    expect(kidSigned.header.kid).toBe(KID);
    expect(payloadJson(await verifyWithAccountKey(kidSigned.jws, kidSigned.header, verified.jwk))).toEqual({ status: 'deactivated' });
  });

  it('reads POST-as-GET (empty payload) as undefined', async () => {
    const { jws, header } = parseJws(body(await sign(keys.ES256, { kid: KID, nonce: NONCE, url: URL }, '')));
    expect(jws.payload).toBe('');
    expect(payloadJson(await verifyWithAccountKey(jws, header, keys.ES256.jwk))).toBeUndefined();
    await expectProblem(() => payloadJson(Buffer.from('{"a":')), 'malformed', /not JSON/);
    await expectProblem(() => payloadJson(Buffer.from([0x22, 0xff, 0x22])), 'malformed', /not JSON/);
  });

  it.each([
    ['none', 'none'],
    ['HS256', 'HS256'],
    ['unknown', 'XX512'],
    ['PS256', 'PS256'],
  ])('refuses alg %s with badSignatureAlgorithm, listing the accepted ones', async (_, alg) => {
    await expectProblem(() => parseJws(rawBody({ alg, jwk: keys.ES256.jwk, nonce: NONCE, url: URL })), 'badSignatureAlgorithm', 'RS256, ES256, ES384, ES512, EdDSA');
  });

  it('refuses a non-string alg as malformed', async () => {
    await expectProblem(() => parseJws(rawBody({ alg: 256, jwk: keys.ES256.jwk, url: URL })), 'malformed', /"alg"/);
    await expectProblem(() => parseJws(rawBody({ jwk: keys.ES256.jwk, url: URL })), 'malformed', /"alg"/);
  });

  it('needs exactly one of jwk and kid', async () => {
    const both = await sign(keys.ES256, { jwk: keys.ES256.jwk, kid: KID, nonce: NONCE, url: URL }, {});
    await expectProblem(() => parseJws(body(both)), 'malformed', /exactly one of "jwk" and "kid"/);
    const neither = await sign(keys.ES256, { nonce: NONCE, url: URL }, {});
    await expectProblem(() => parseJws(body(neither)), 'malformed', /exactly one of "jwk" and "kid"/);
  });

  it('checks url, nonce, kid and jwk types', async () => {
    const jwk = keys.ES256.jwk;
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk, nonce: NONCE })), 'malformed', /"url"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk, url: 5 })), 'malformed', /"url"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk, url: URL, nonce: 7 })), 'malformed', /"nonce"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', kid: '', url: URL })), 'malformed', /"kid"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', kid: 1, url: URL })), 'malformed', /"kid"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk: 'key', url: URL })), 'malformed', /"jwk"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk: { ...jwk, x: 1 }, url: URL })), 'malformed', /"jwk"/);
  });

  it('refuses crit and b64', async () => {
    const jwk = keys.ES256.jwk;
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk, url: URL, crit: ['b64'], b64: false })), 'malformed', /"crit"/);
    await expectProblem(() => parseJws(rawBody({ alg: 'ES256', jwk, url: URL, b64: true })), 'malformed', /"b64"/);
  });

  it('refuses the unprotected header, the general serialization and extra members', async () => {
    const good = await jwkSigned(keys.ES256);
    await expectProblem(() => parseJws(body({ ...good, header: { kid: KID } })), 'malformed', /unprotected "header"/);
    await expectProblem(() => parseJws(body({ ...good, header: {} })), 'malformed', /unprotected "header"/);
    const { protected: p, signature: s, payload } = good;
    await expectProblem(() => parseJws(body({ payload, signatures: [{ protected: p, signature: s }] })), 'malformed', /general serialization/);
    await expectProblem(() => parseJws(body({ ...good, extra: 1 })), 'malformed', /unexpected member "extra"/);
    await expectProblem(() => parseJws(`{"__proto__":{},${body(good).slice(1)}`), 'malformed', /unexpected member "__proto__"/);
    await expectProblem(() => parseJws(body({ protected: p, payload })), 'malformed', /"signature" must be a string/);
    await expectProblem(() => parseJws(body({ ...good, payload: 5 })), 'malformed', /"payload" must be a string/);
    await expectProblem(() => parseJws(body({ ...good, protected: null })), 'malformed', /"protected" must be a string/);
    await expectProblem(() => parseJws(body({ ...good, signature: '' })), 'malformed', /"signature" is empty/);
  });

  it('refuses base64url that is padded, standard base64, or not canonical', async () => {
    const good = await jwkSigned(keys.ES256);
    await expectProblem(() => parseJws(body({ ...good, signature: `${good.signature}=` })), 'malformed', /"signature" is not unpadded base64url/);
    await expectProblem(() => parseJws(body({ ...good, payload: `+${good.payload.slice(1)}` })), 'malformed', /base64url/);
    await expectProblem(() => parseJws(body({ ...good, protected: `${good.protected}.` })), 'malformed', /"protected" is not unpadded base64url/);
    await expectProblem(() => parseJws(body({ ...good, signature: 'AAAAA' })), 'malformed', /"signature" is not unpadded base64url/);
    // 'AB' decodes to one byte and has 4 spare bits set: a second spelling of 'AA'.
    await expectProblem(() => parseJws(body({ ...good, signature: 'AB' })), 'malformed', /"signature" is not unpadded base64url/);
  });

  it('refuses non-JSON, non-object, empty and oversized bodies', async () => {
    await expectProblem(() => parseJws(undefined), 'malformed', /empty/);
    await expectProblem(() => parseJws(''), 'malformed', /empty/);
    await expectProblem(() => parseJws('{"protected":'), 'malformed', /not JSON/);
    await expectProblem(() => parseJws('[]'), 'malformed', /JSON object/);
    await expectProblem(() => parseJws('null'), 'malformed', /JSON object/);
    await expectProblem(() => parseJws('"eyJ"'), 'malformed', /JSON object/);
    await expectProblem(() => parseJws(JSON.stringify({ protected: 'A'.repeat(70_000), payload: '', signature: 'AA' })), 'malformed', /larger than 65536/, 413);
  });

  it('refuses a protected header that is not a JSON object', async () => {
    for (const header of ['[1]', '"ES256"', 'null', '{"alg":', '\u00ff']) {
      await expectProblem(() => parseJws(rawBody(header)), 'malformed', /protected header is not a JSON object/);
    }
    const notUtf8 = JSON.stringify({ protected: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'), payload: '', signature: 'AA' });
    await expectProblem(() => parseJws(notUtf8), 'malformed', /protected header is not a JSON object/);
  });

  it('refuses an RSA key under 2048 bits', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as JWK;
    const { jws, header } = parseJws(body(await sign(keys.RS256, { jwk: small, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(jws, header), 'badPublicKey', /1024 bits/);
  });

  it('refuses a private JWK', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const priv = privateKey.export({ format: 'jwk' }) as JWK;
    const { jws, header } = parseJws(body(await sign(keys.ES256, { jwk: priv, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(jws, header), 'badPublicKey', /private member "d"/);
  });

  it('refuses a key the alg does not fit', async () => {
    const rsaWithEs256 = parseJws(body(await sign(keys.ES256, { jwk: keys.RS256.jwk, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(rsaWithEs256.jws, rsaWithEs256.header), 'badSignatureAlgorithm', /RSA key/);
    const p256WithEs384 = parseJws(body(await sign(keys.ES384, { jwk: keys.ES256.jwk, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(p256WithEs384.jws, p256WithEs384.header), 'badSignatureAlgorithm', /P-256/);
    const edWithRs256 = parseJws(body(await sign(keys.RS256, { jwk: keys.EdDSA.jwk, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(edWithRs256.jws, edWithRs256.header), 'badSignatureAlgorithm');
    const jwkAlg = parseJws(body(await sign(keys.ES256, { jwk: { ...keys.ES256.jwk, alg: 'ES384' }, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(jwkAlg.jws, jwkAlg.header), 'badSignatureAlgorithm', /JWK "alg"/);
    const rsaAccount = parseJws(body(await sign(keys.ES256, { kid: KID, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithAccountKey(rsaAccount.jws, rsaAccount.header, keys.RS256.jwk), 'badSignatureAlgorithm');
  });

  it('refuses unsupported or broken keys as badPublicKey', async () => {
    const jwk = keys.ES256.jwk;
    const cases: Array<[JWK, RegExp]> = [
      [{ kty: 'oct', k: 'AAAA' }, /private member "k"/],
      [{ kty: 'EC', crv: 'secp256k1', x: jwk.x, y: jwk.y }, /curve/],
      [{ ...jwk, x: (jwk.x ?? '').slice(0, 40) }, /32 octets/],
      // A point that is not on the curve.
      [{ ...jwk, y: Buffer.alloc(32, 1).toString('base64url') }, /not a valid ES256 public key/],
    ];
    for (const [bad, detail] of cases) {
      const { jws, header } = parseJws(body(await sign(keys.ES256, { jwk: bad, nonce: NONCE, url: URL }, {})));
      await expectProblem(() => verifyWithJwk(jws, header), 'badPublicKey', detail);
    }
    const rsa = keys.RS256.jwk;
    const leadingZero = parseJws(body(await sign(keys.RS256, { jwk: { ...rsa, n: b64(`\0${Buffer.from(rsa.n ?? '', 'base64url').toString('latin1')}`) }, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(leadingZero.jws, leadingZero.header), 'badPublicKey', /leading zero/);
    const evenExponent = parseJws(body(await sign(keys.RS256, { jwk: { ...rsa, e: 'AQAA' }, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(evenExponent.jws, evenExponent.header), 'badPublicKey', /exponent/);
  });

  it('refuses a tampered payload or signature, and the wrong key', async () => {
    const good = await jwkSigned(keys.ES256);
    const tamperedPayload = parseJws(body({ ...good, payload: b64({ termsOfServiceAgreed: false }) }));
    await expectProblem(() => verifyWithJwk(tamperedPayload.jws, tamperedPayload.header), 'malformed', 'JWS signature invalid');
    const sig = Buffer.from(good.signature, 'base64url');
    sig[5] ^= 1;
    const tamperedSig = parseJws(body({ ...good, signature: sig.toString('base64url') }));
    await expectProblem(() => verifyWithJwk(tamperedSig.jws, tamperedSig.header), 'malformed', 'JWS signature invalid');
    const short = parseJws(body({ ...good, signature: good.signature.slice(0, 40) }));
    await expectProblem(() => verifyWithJwk(short.jws, short.header), 'malformed', 'JWS signature invalid');
    const kidSigned = parseJws(body(await sign(keys.ES256, { kid: KID, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithAccountKey(kidSigned.jws, kidSigned.header, keys['P-256b'].jwk), 'malformed', 'JWS signature invalid');
    const rsa = await jwkSigned(keys.RS256);
    const rsaSig = Buffer.from(rsa.signature, 'base64url');
    rsaSig[0] ^= 0x80;
    const tamperedRsa = parseJws(body({ ...rsa, signature: rsaSig.toString('base64url') }));
    await expectProblem(() => verifyWithJwk(tamperedRsa.jws, tamperedRsa.header), 'malformed', 'JWS signature invalid');
  });

  it('keeps jwk requests and kid requests apart', async () => {
    const jwkReq = parseJws(body(await jwkSigned(keys.ES256)));
    await expectProblem(() => verifyWithAccountKey(jwkReq.jws, jwkReq.header, keys.ES256.jwk), 'malformed', /"kid"/);
    const kidReq = parseJws(body(await sign(keys.ES256, { kid: KID, nonce: NONCE, url: URL }, {})));
    await expectProblem(() => verifyWithJwk(kidReq.jws, kidReq.header), 'malformed', /"jwk"/);
  });
});

describe('key authorizations', () => {
  // RFC 7638 3.1's example key and thumbprint.
  const rfcKey: JWK = {
    kty: 'RSA',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
    e: 'AQAB',
  };

  it('is the token, a dot and the RFC 7638 thumbprint', async () => {
    expect(await keyAuthorization('tok-1', rfcKey)).toBe('tok-1.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('dns-01 is base64url(sha256(key authorization))', () => {
    const ka = 'tok-1.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    expect(dns01Value(ka)).toBe(createHash('sha256').update(ka).digest('base64url'));
    expect(dns01Value(ka)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('problem documents', () => {
  it('prefix types, default statuses, subproblems', () => {
    const p = new AcmeProblem('rejectedIdentifier', 'some names are refused', {
      subproblems: [{ type: 'rejectedIdentifier', detail: 'outside the name constraints', identifier: { type: 'dns', value: 'x.example' } }],
    });
    expect(problemDocument(p)).toEqual({
      type: 'urn:ietf:params:acme:error:rejectedIdentifier',
      detail: 'some names are refused',
      status: 400,
      subproblems: [{ type: 'urn:ietf:params:acme:error:rejectedIdentifier', detail: 'outside the name constraints', identifier: { type: 'dns', value: 'x.example' } }],
    });
    expect(p.message).toBe('some names are refused');
    expect(new AcmeProblem('badNonce', 'x').status).toBe(400);
    expect(new AcmeProblem('unauthorized', 'x').status).toBe(403);
    expect(new AcmeProblem('orderNotReady', 'x').status).toBe(403);
    expect(new AcmeProblem('rateLimited', 'x', { headers: { 'Retry-After': '60' } }).headers).toEqual({ 'Retry-After': '60' });
    expect(new AcmeProblem('serverInternal', 'x').status).toBe(500);
    expect(new AcmeProblem('malformed', 'x', { status: 405 }).status).toBe(405);
  });

  it('sends conflict as malformed with 409', () => {
    const doc = problemDocument(new AcmeProblem('conflict', 'the new key is in use', { headers: { Location: KID } }));
    expect(doc).toEqual({ type: 'urn:ietf:params:acme:error:malformed', detail: 'the new key is in use', status: 409 });
  });
});

describe('fuzz: parseJws + verify throw only AcmeProblem', () => {
  /** mulberry32: a seeded generator, so a failure replays. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const random = rng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const VALUES: readonly unknown[] = [null, true, 0, -1, 1e300, '', 'A', '=', 'AA==', '\u0000', 'x'.repeat(300), [], [1], {}, { kty: 'EC' }, { kty: 'RSA', n: 'AQAB', e: 'AQAB' }];
  const CHARS = ['"', '{', '}', '[', ']', ',', ':', '\\', 'A', '-', '_', '=', '+', '/', '.', ' ', '\u00e9', '\ud800', '0'];

  type Json = Record<string, unknown>;
  /** Deletes, retypes or adds one member of `o`, or of an object nested in it. */
  function mutateObject(o: Json): void {
    const keys = Object.keys(o);
    const key = keys.length > 0 && random() < 0.8 ? pick(keys) : pick(['extra', 'header', 'signatures', 'crit', 'b64', 'kid', 'jwk', 'd', '__proto__']);
    const v = o[key];
    const r = random();
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && r < 0.4) mutateObject(v as Json);
    else if (r < 0.6) delete o[key];
    else o[key] = pick(VALUES);
  }
  function mutateString(s: string): string {
    const i = Math.floor(random() * (s.length + 1));
    const r = random();
    if (r < 0.4) return s.slice(0, i) + pick(CHARS) + s.slice(i + 1);
    if (r < 0.7) return s.slice(0, i);
    return s.slice(0, i) + s.slice(i + 1 + Math.floor(random() * 4));
  }
  /** One mutation at one of three levels: the body text, the body's members, or the protected header's members. */
  function mutate(body: string): string {
    const level = random();
    if (level < 0.35) return mutateString(body);
    const o = JSON.parse(body) as Json;
    if (level < 0.6) mutateObject(o);
    else if (typeof o.protected === 'string') {
      const header = JSON.parse(Buffer.from(o.protected, 'base64url').toString()) as Json;
      if (random() < 0.8) mutateObject(header);
      else o.protected = mutateString(o.protected);
      if (random() < 0.8) o.protected = b64(header);
    } else if (typeof o.payload === 'string') o.payload = mutateString(o.payload);
    return JSON.stringify(o);
  }

  it('2,000 mutations of valid bodies', async () => {
    const bases = [
      { body: body(await jwkSigned(keys.ES256)), key: keys.ES256 },
      { body: body(await jwkSigned(keys.RS256)), key: keys.RS256 },
      { body: body(await sign(keys.EdDSA, { kid: KID, nonce: NONCE, url: URL }, { a: 1 })), key: keys.EdDSA },
    ];
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const base = pick(bases);
      let mutated = base.body;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        try {
          mutated = mutate(mutated);
        } catch {
          // the previous mutation left something JSON.parse cannot read: fuzz that text instead
          mutated = mutateString(mutated);
        }
      }
      try {
        const { jws, header } = parseJws(mutated);
        const payload = header.jwk ? (await verifyWithJwk(jws, header)).payload : await verifyWithAccountKey(jws, header, base.key.jwk);
        payloadJson(payload);
        // Nothing else verifies: an accepted body is the original, member for member (no malleability).
        expect(jws).toEqual(parseJws(base.body).jws);
        outcomes.accepted = (outcomes.accepted ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof AcmeProblem)) throw new Error(`mutation ${i} threw ${String(e)} for ${mutated}`);
        expect(typeof e.detail === 'string' && e.detail.length > 0).toBe(true);
        outcomes[e.type] = (outcomes[e.type] ?? 0) + 1;
      }
    }
    // Most mutations are refused, and more than one kind of refusal is reached.
    expect(outcomes.malformed).toBeGreaterThan(1000);
    expect(Object.keys(outcomes).length).toBeGreaterThan(2);
  });
});
