import { generateKeyPair, FlattenedSign, exportJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';

/**
 * Seeded mutations of valid JWS bodies, sent to every POST resource of a directory: each answer is
 * a 4xx application/problem+json with an ACME error type and a fresh nonce, never a 5xx.
 */
let dir: Record<string, string>;
let base: string;

/** A small deterministic PRNG (mulberry32), so a failure can be replayed by its seed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  const admin = await keystoneToken('admin', 'secret', 'tenant-a');
  const ca = await createActiveCa(admin, { subject: { CN: 'ACME Fuzz Root' }, key_type: 'EC-P256', validity_days: 30 });
  const eab = await api('POST', `/v1/cas/${ca.id}/acme/eab-keys`, { token: admin, body: {} });
  dir = (await (await fetch(eab.body.eab_key.directory_url)).json()) as Record<string, string>;
  base = dir.newAccount.replace(/\/new-account$/, '');
});

async function nonce(): Promise<string> {
  return (await fetch(dir.newNonce, { method: 'HEAD' })).headers.get('replay-nonce')!;
}

describe('fuzzed JWS bodies', () => {
  it('every mutation of a valid request to every resource is a 4xx problem document', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const targets = [dir.newAccount, dir.newOrder, dir.revokeCert, dir.keyChange, `${base}/acct/00000000-0000-4000-8000-000000000000`, `${base}/order/00000000-0000-4000-8000-000000000000/finalize`, `${base}/chall/00000000-0000-4000-8000-000000000000/http-01`, `${base}/authz/not-a-uuid`];
    const rand = prng(20261201);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const junk = () => pick(['', 'null', '{}', '[]', '"x"', '1e999', '{"a":', '\u0000', 'é', '=='.repeat(3), 'A'.repeat(70_000)]);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 240; i++) {
      const url = pick(targets);
      const payload = new TextEncoder().encode(JSON.stringify(pick([{ termsOfServiceAgreed: true }, { identifiers: [{ type: 'dns', value: 'x.acme.test' }] }, { csr: 'AAAA' }, {}, { certificate: 'AAAA', reason: 99 }])));
      const header: Record<string, unknown> = { alg: 'ES256', nonce: await nonce(), url, ...(rand() < 0.5 ? { jwk } : { kid: `${base}/acct/${crypto.randomUUID()}` }) };
      const jws = (await new FlattenedSign(payload).setProtectedHeader(header as { alg: string }).sign(privateKey)) as unknown as Record<string, unknown>;
      const body: Record<string, unknown> = { ...jws };
      // One to three mutations of the envelope, its members or their encodings.
      for (let m = 0; m < 1 + Math.floor(rand() * 3); m++) {
        const key = pick(['protected', 'payload', 'signature']);
        const value = String(body[key] ?? '');
        switch (Math.floor(rand() * 7)) {
          case 0: body[key] = value.slice(0, Math.floor(rand() * value.length)); break;
          case 1: body[key] = value.replace(/./, pick(['+', '/', '=', '!', ' '])); break;
          case 2: delete body[key]; break;
          case 3: body[key] = pick([1, null, [], {}, true]); break;
          case 4: body[pick(['header', 'signatures', 'extra'])] = pick([{ alg: 'none' }, [], 'x']); break;
          case 5: body.protected = Buffer.from(junk()).toString('base64url'); break;
          default: body.payload = Buffer.from(junk()).toString('base64url');
        }
      }
      const raw = rand() < 0.1 ? junk() : JSON.stringify(body);
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/jose+json' }, body: raw });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `#${i} ${url} ${raw.slice(0, 200)} → ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `#${i} ${url} ${raw.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(text).type).toMatch(/^urn:ietf:params:acme:error:[A-Za-z]+$/);
      expect(res.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    // The mutations reach more than one kind of refusal.
    expect(statuses.size).toBeGreaterThan(1);
  }, 120_000);
});
