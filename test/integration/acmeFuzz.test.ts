import { generateKeyPair, FlattenedSign, exportJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { mutatedJwsBody } from '../support/jwsMutations.js';
import { prng } from '../support/prng.js';

/**
 * Seeded mutations of valid JWS bodies, sent to every POST resource of a directory: each answer is
 * a 4xx application/problem+json with an ACME error type and a fresh nonce, never a 5xx.
 */
let dir: Record<string, string>;
let base: string;

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
    const pick = rand.pick;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 240; i++) {
      const url = pick(targets);
      const payload = new TextEncoder().encode(JSON.stringify(pick([{ termsOfServiceAgreed: true }, { identifiers: [{ type: 'dns', value: 'x.acme.test' }] }, { csr: 'AAAA' }, {}, { certificate: 'AAAA', reason: 99 }])));
      const header: Record<string, unknown> = { alg: 'ES256', nonce: await nonce(), url, ...(rand() < 0.5 ? { jwk } : { kid: `${base}/acct/${crypto.randomUUID()}` }) };
      const jws = (await new FlattenedSign(payload).setProtectedHeader(header as { alg: string }).sign(privateKey)) as unknown as Record<string, unknown>;
      const raw = mutatedJwsBody(rand, { ...jws });
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
