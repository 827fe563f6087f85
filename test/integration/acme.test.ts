import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { startChallTestSrv, type ChallTestSrv } from '../support/acmeClients.js';
import { tempDir, verifyChain } from '../support/openssl.js';

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
