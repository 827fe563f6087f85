import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { startChallTestSrv, type ChallTestSrv } from '../support/acmeClients.js';
import { accountKey, signedPost } from '../support/acmeJws.js';
import { openssl, tempDir, verifyChain } from '../support/openssl.js';

/**
 * The ACME server end to end with npm acme-client: EAB minted over the Keystone API, an account,
 * an order, http-01 and dns-01 answered through pebble-challtestsrv (the validator's DNS), the
 * worker signing, the certificate verified by openssl.
 */
const tmp = tempDir();
let srv: ChallTestSrv;
let admin: string;
let alice: string;
let ca: any;
let directoryUrl: string;

beforeAll(async () => {
  srv = await startChallTestSrv({ http01Port: 5002 });
  admin = await keystoneToken('admin', 'secret', 'tenant-a');
  alice = await keystoneToken('alice', 'apass', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'ACME Root' }, key_type: 'EC-P256', validity_days: 365 });
});
afterAll(async () => {
  await srv?.stop();
  tmp.cleanup();
});

/** openssl verify of `leaf` against `trusted` alone, `untrusted` as the intermediates. */
function verifyChainVia(trusted: string, untrusted: string[], leaf: string): string {
  const file = (name: string, data: string) => (writeFileSync(join(tmp.dir, name), data), join(tmp.dir, name));
  return openssl(['verify', '-x509_strict', '-CAfile', file('trusted.pem', trusted), '-untrusted', file('untrusted.pem', untrusted.join('\n')), file('leaf.pem', leaf)]);
}

async function mintEab(token = alice, caId = ca.id) {
  const res = await api('POST', `/v1/cas/${caId}/acme/eab-keys`, { token, body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.eab_key as { kid: string; hmac_key: string; directory_url: string; wildcard_allowed: boolean };
}

async function newClient(eab?: { kid: string; hmac_key: string }) {
  const client = new acme.Client({
    directoryUrl,
    accountKey: await acme.crypto.createPrivateEcdsaKey(),
    ...(eab ? { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmac_key } } : {}),
    backoffAttempts: 40,
    backoffMin: 100,
    backoffMax: 500,
  });
  return client;
}

/** Orders `names`, answers each authorization by `type` through challtestsrv, finalizes and downloads. */
async function issue(client: acme.Client, names: string[], type: 'http-01' | 'dns-01') {
  const order = await client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) });
  for (const authz of await client.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => c.type === type)!;
    expect(challenge, `${type} offered for ${authz.identifier.value}`).toBeDefined();
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    if (type === 'http-01') await srv.addHttp01(challenge.token, keyAuthorization);
    else await srv.setTxt(`_acme-challenge.${authz.identifier.value}`, keyAuthorization);
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [key, csr] = await acme.crypto.createCsr({ altNames: names }, await acme.crypto.createPrivateEcdsaKey());
  const finalized = await client.finalizeOrder(order, csr);
  const valid = await client.waitForValidStatus(finalized);
  const chain = await client.getCertificate(valid);
  return { order: valid, chain, key };
}

describe('ACME directory', () => {
  it('is published per CA with every RFC 8555 resource, renewalInfo and EAB required', async () => {
    const eab = await mintEab();
    directoryUrl = eab.directory_url;
    const res = await fetch(directoryUrl);
    expect(res.status).toBe(200);
    const dir = (await res.json()) as Record<string, any>;
    for (const k of ['newNonce', 'newAccount', 'newOrder', 'revokeCert', 'keyChange', 'renewalInfo']) expect(dir[k], k).toMatch(/^http/);
    expect(dir.meta.externalAccountRequired).toBe(true);
    expect(res.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    const nonce = await fetch(dir.newNonce, { method: 'HEAD' });
    expect(nonce.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(nonce.headers.get('cache-control')).toBe('no-store');
  });
});

describe('ACME issuance with acme-client', () => {
  it('binds an account with EAB, validates http-01, and issues exactly the ordered name; openssl verifies it', async () => {
    const client = await newClient(await mintEab());
    await client.createAccount({ termsOfServiceAgreed: true, contact: ['mailto:ops@acme.test'] });
    const { chain } = await issue(client, ['web.acme.test'], 'http-01');
    const leaf = new X509Certificate(chain);
    expect(leaf.subjectAltName).toBe('DNS:web.acme.test');
    expect(verifyChain(tmp.dir, ca.certificate, chain.split(/(?<=-----END CERTIFICATE-----)\s*/)[0])).toContain('OK');
    // The project's audit trail has the account and the request, by the user who minted the EAB key.
    const accountId = client.getAccountUrl().split('/').pop();
    const events = (await api('GET', '/v1/events?limit=200', { token: alice })).body.events as Array<{ action: string; object?: { id: string }; user_id?: string }>;
    const created = events.find((e) => e.action === 'acme.account.created' && e.object?.id === accountId);
    expect(created).toBeDefined();
    expect(events.some((e) => e.action === 'certificate.issue.requested' && /ACME order/.test(JSON.stringify(e)))).toBe(true);
  });

  it('validates dns-01 for a wildcard when the EAB key was minted by a user allowed wildcards', async () => {
    const client = await newClient(await mintEab(admin));
    await client.createAccount({ termsOfServiceAgreed: true });
    const { chain } = await issue(client, ['*.apps.acme.test', 'apps.acme.test'], 'dns-01');
    expect(new X509Certificate(chain).subjectAltName?.split(', ').sort()).toEqual(['DNS:*.apps.acme.test', 'DNS:apps.acme.test']);
  });

  it('refuses a wildcard to an account whose EAB key a member without the wildcard rule minted', async () => {
    const client = await newClient(await mintEab(alice));
    await client.createAccount({ termsOfServiceAgreed: true });
    await expect(client.createOrder({ identifiers: [{ type: 'dns', value: '*.apps.acme.test' }] })).rejects.toThrow(/wildcard/);
  });

  it('refuses an account without EAB, and an EAB key used twice', async () => {
    await expect((await newClient()).createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/external account binding/);
    const eab = await mintEab();
    await (await newClient(eab)).createAccount({ termsOfServiceAgreed: true });
    await expect((await newClient(eab)).createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(/used already/);
  });
});

describe('ACME profiles, rotation and validation retries', () => {
  it('lists the CA\'s profiles in meta.profiles; an order under a profile is held to it, an unknown profile refused', async () => {
    const put = await api('PUT', `/v1/cas/${ca.id}/profiles/web`, { token: admin, body: { allow_any_name: false, allowed_domains: ['.apps.acme.test'] } });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const dir = (await (await fetch(directoryUrl)).json()) as { meta: { profiles: Record<string, string> } };
    expect(Object.keys(dir.meta.profiles).sort()).toEqual(['default', 'web']);
    const client = await newClient(await mintEab());
    await client.createAccount({ termsOfServiceAgreed: true });
    // The profiles extension's newOrder member, which acme-client passes through.
    const order = (profile: string, value: string) => client.createOrder({ identifiers: [{ type: 'dns', value }], profile } as unknown as Parameters<acme.Client['createOrder']>[0]);
    await expect(order('web', 'web.other.test')).rejects.toThrow(/web\.other\.test|profile "web"/);
    await expect(order('nope', 'x.apps.acme.test')).rejects.toThrow(/no profile/);
    const ok = await order('web', 'x.apps.acme.test');
    expect(ok.status).toBe('pending');
    expect((ok as acme.Order & { profile?: string }).profile).toBe('web');
  });

  it('after a rotation the certificate links its cross chain (Link: rel="alternate"), which the old root verifies', async () => {
    const rotated = await createActiveCa(admin, { subject: { CN: 'ACME Rotating Root' }, key_type: 'EC-P256', validity_days: 365 });
    const eab = (await api('POST', `/v1/cas/${rotated.id}/acme/eab-keys`, { token: admin, body: {} })).body.eab_key;
    const rot = await api('POST', `/v1/cas/${rotated.id}/rotate`, { token: admin });
    expect(rot.status).toBe(202);
    for (let i = 0; i < 300 && (await api('GET', `/v1/jobs/${rot.body.job.id}`, { token: admin })).body.job.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 100));
    const before = directoryUrl;
    directoryUrl = eab.directory_url;
    try {
      const key = await accountKey();
      const client = new acme.Client({ directoryUrl, accountKey: key.pem, externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmac_key }, backoffMin: 100, backoffMax: 500, backoffAttempts: 40 });
      await client.createAccount({ termsOfServiceAgreed: true });
      const { order, chain } = await issue(client, ['rotated.acme.test'], 'dns-01');
      const kid = client.getAccountUrl();
      const res = await signedPost(order.certificate!, undefined, { key, kid });
      expect(res.status).toBe(200);
      expect(res.text).toBe(chain);
      const alternate = /<([^>]+)>;rel="alternate"/.exec(res.headers.get('link') ?? '')?.[1];
      expect(alternate).toBe(`${order.certificate}/cross`);
      const cross = await signedPost(alternate!, undefined, { key, kid });
      expect(cross.headers.get('content-type')).toBe('application/pem-certificate-chain');
      const pems = cross.text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
      const leaf = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0];
      expect(pems[0]).toBe(leaf);
      // The old root verifies the leaf through the cross certificate; the new root the primary chain.
      expect(verifyChainVia(rotated.certificate, pems.slice(1), leaf)).toContain('OK');
      expect(new X509Certificate(pems[1]).issuer).toBe(new X509Certificate(rotated.certificate).subject);
    } finally {
      directoryUrl = before;
    }
  });

  it('retries a validation that could not connect, and succeeds once the name answers', async () => {
    const client = await newClient(await mintEab());
    await client.createAccount({ termsOfServiceAgreed: true });
    // Resolved to 127.0.0.2, where nothing listens yet: connection refused is transient.
    await srv.addA('late.acme.test', ['127.0.0.2']);
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'late.acme.test' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz.challenges.find((c) => c.type === 'http-01')!;
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    await client.completeChallenge(challenge);
    await new Promise((r) => setTimeout(r, 1500));
    const server = createServer((req, res) => res.end(req.url === `/.well-known/acme-challenge/${challenge.token}` ? keyAuthorization : ''));
    await new Promise<void>((r) => server.listen(5002, '127.0.0.2', () => r()));
    try {
      expect((await client.waitForValidStatus(challenge)).status).toBe('valid');
    } finally {
      server.close();
    }
    const view = (await api('GET', `/v1/acme/orders?limit=200`, { token: alice })).body.orders.find((o: { identifiers: Array<{ value: string }> }) => o.identifiers[0]?.value === 'late.acme.test');
    expect(view.status).toBe('ready');
  }, 60_000);
});

describe('ACME paths that name nothing', () => {
  it('answer a 404 problem document with a nonce, as every ACME answer', async () => {
    for (const [method, path] of [['GET', 'no-such-resource'], ['POST', 'order/x/y/z'], ['PUT', 'new-order']]) {
      const res = await fetch(directoryUrl.replace(/directory$/, path), { method, ...(method === 'GET' ? {} : { body: '{}' }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type'), `${method} ${path}`).toBe('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toBe('urn:ietf:params:acme:error:malformed');
      expect(res.headers.get('replay-nonce')).toBeTruthy();
    }
  });
});

describe('ACME account orders, paged', () => {
  it('a next-page URL (query included) is a valid JWS url, and lists the account\'s own orders', async () => {
    const key = await accountKey();
    const eab = await mintEab();
    const client = new acme.Client({ directoryUrl, accountKey: key.pem, externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmac_key } });
    await client.createAccount({ termsOfServiceAgreed: true });
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'paged.acme.test' }] });
    const kid = client.getAccountUrl();
    const first = await signedPost(`${kid}/orders`, undefined, { key, kid });
    expect(first.status).toBe(200);
    expect(first.body.orders).toEqual([order.url]);
    const later = await signedPost(`${kid}/orders?cursor=ffffffff-ffff-4fff-bfff-ffffffffffff`, undefined, { key, kid });
    expect(later.status, later.text).toBe(200);
    expect(later.body.orders).toEqual([]);
  });
});
