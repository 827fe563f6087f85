import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import DOCUMENT from '../../../lib/openapi/openapi.json' with { type: 'json' };
import { isAppError } from '../../../lib/errors/index.js';
import { parseCsr } from '../../../lib/x509/index.js';
import { BodyCases, type PathFixtures } from '../../../fuzz/bodies.js';
import { makeBases, mutateCsr } from '../../../fuzz/csrs.js';
import { exampleOf, writtenExample } from '../../../fuzz/examples.js';
import { mutateBody } from '../../../fuzz/mutate.js';
import { operations, resolve } from '../../../fuzz/routes.js';
import { makeCsr, tempDir } from '../../support/openssl.js';
import { prng } from '../../support/prng.js';
import { mutatedJwsBody } from '../../support/jwsMutations.js';

/** The generators of `npm run fuzz`: seeded, aimed at every route, starting from valid requests. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const csrPem = makeCsr(tmp.dir, 'ec256', 'u.fuzz.example.org', ['DNS:u.fuzz.example.org']).csr;
const uuid = '3f2a7c4e-9b1d-4e8a-a6f0-1c2d3e4f5a6b';
const fx: PathFixtures = {
  csrPem,
  caCertPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  barbicanUrl: 'http://127.0.0.1:9311',
  loginCaId: uuid,
  userId: 'u1',
  jws: 'a.b.c',
  projectId: 'p1',
  otherProjectId: 'p2',
  ids: { cas: uuid },
  otherCaId: uuid,
  revokableUserId: 'u2',
};

describe('the valid starting bodies', () => {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  ajv.addSchema(DOCUMENT, 'openapi.json');
  const withBody = operations().filter((o) => o.body);

  it('cover every route with a JSON body, and the document’s schema accepts each', () => {
    expect(withBody.length).toBeGreaterThan(15);
    for (const op of withBody) {
      const body = writtenExample(op.route, fx) ?? exampleOf(op.body!, resolve);
      const validate = ajv.compile({ $ref: `openapi.json${String(op.body!.$ref)}` });
      expect(validate(body), `${op.route}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('derive one from the schema alone for a route without a written one', () => {
    // Schema-derived bodies stand in for routes added later. A required string with a pattern
    // (a URL of a kind, a user id) may defeat the generic value; these routes have written examples.
    const patterned = ['POST /v1/containers'];
    for (const op of withBody) {
      const validate = ajv.compile({ $ref: `openapi.json${String(op.body!.$ref)}` });
      if (!patterned.includes(op.route)) expect(validate(exampleOf(op.body!, resolve)), `${op.route}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });
});

describe('the body cases', () => {
  it('reach every route of the document but the ACME server’s, the same for the same seed', () => {
    const cases = new BodyCases(fx);
    const routes = operations().filter((o) => !o.template.includes('/acme/') || !o.template.startsWith('/v1/public'));
    expect(new Set(cases.routes())).toEqual(new Set(routes.map((o) => o.route)));
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(cases.make(prng(i)).label.split(':')[0]);
    expect(seen).toEqual(new Set(cases.routes()));
    expect(JSON.stringify(cases.make(prng(7)))).toBe(JSON.stringify(cases.make(prng(7))));
  });

  it('mutate in every way, and always give text to send', () => {
    const rand = prng(1);
    const kinds = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const m = mutateBody(rand, { a: 'x', b: [1, { c: true }], d: { e: null }, long: 'y'.repeat(20_000) }, ['a', 'z']);
      expect(typeof m.text).toBe('string');
      // Under the gateway's 10 MB: a bigger body never reaches a function.
      expect(m.text.length).toBeLessThan(1_100_000);
      for (const k of m.what.split(' + ')) kinds.add(k);
    }
    for (const k of ['drop field', 'wrong type', 'null', 'odd string', 'long string', 'number out of range', 'deep nesting', 'big array', 'add field', 'truncated', 'invalid JSON', 'empty body', 'not an object', 'duplicate keys', 'oversize body', 'deep nesting text', 'binary garbage']) {
      expect(kinds, k).toContain(k);
    }
  });

  it('mutate JWS envelopes the same way for the same seed', () => {
    const jws = { protected: 'eyJhbGciOiJFUzI1NiJ9', payload: 'e30', signature: 'c2ln' };
    expect(mutatedJwsBody(prng(3), { ...jws })).toBe(mutatedJwsBody(prng(3), { ...jws }));
  });
});

describe('the mutated CSRs', () => {
  const bases = makeBases(tmp.dir, 'u.fuzz.example.org');

  it('are refused by the CSR reader with a 4xx error, never another failure, or parse', () => {
    const rand = prng(20261201);
    const whats = new Set<string>();
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const m = mutateCsr(rand, bases);
      whats.add(m.what.replace(/^(EC P-\d+|RSA[- ]\w+|Ed\d+|DSA|secp256k1) /, ''));
      try {
        parseCsr(m.pem);
      } catch (e) {
        if (!isAppError(e) || e.status >= 500) throw new Error(`${m.what}: ${(e as Error).stack}\n${m.pem}`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(750);
    for (const w of ['bit flips', 'truncated', 'length edit', 'tag edit', 'huge SAN list', 'unknown OIDs', 'odd subject', 'odd version', 'odd attributes', "another key's SPKI", 'signature algorithm mismatch', 'PEM two CSRs', 'PEM bad base64']) expect(whats, w).toContain(w);
  });
});
