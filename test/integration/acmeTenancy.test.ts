import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateRecord } from '../../lib/store/records.js';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { startChallTestSrv, type ChallTestSrv } from '../support/acmeClients.js';
import { accountKey, eabJws, freshNonce, signedPost, type AccountKey } from '../support/acmeJws.js';
import { expectProblem } from '../support/acmeProblem.js';

/**
 * ACME and the project boundary: EAB keys bind one account of one CA's directory of one project;
 * accounts, orders and nonces of one directory mean nothing at another; the project's normal API
 * lists its own ACME objects and 404s everyone else's; only an admin may drop the EAB requirement.
 */
process.env.TABLE_NAME ??= 'openstack-ca-local';
process.env.AWS_REGION ??= 'us-east-1';

let srv: ChallTestSrv;
let admin: string;
let adminHome: string;
let alice: string;
let bob: string;
let carol: string;
let ca: any;
let otherCa: any;
let foreignCa: any;
let dir: Record<string, any>;
let otherDir: Record<string, any>;
let foreignDir: Record<string, any>;
let projectA: string;

async function mintEab(token: string, caId: string, body: Record<string, unknown> = {}) {
  const res = await api('POST', `/v1/cas/${caId}/acme/eab-keys`, { token, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.eab_key as { kid: string; hmac_key: string; directory_url: string; status: string };
}

async function directoryOf(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { ...((await res.json()) as Record<string, any>), url } as Record<string, any>;
}

async function projectIdOf(token: string): Promise<string> {
  const res = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  return ((await res.json()) as any).token.project.id;
}

/** newAccount with EAB `eab` made by hand (kid, HMAC key, the directory's newAccount URL). */
const eabAccount = async (d: Record<string, any>, key: AccountKey, kid: string, hmacKey: Uint8Array) =>
  signedPost(d.newAccount, { termsOfServiceAgreed: true, externalAccountBinding: await eabJws(kid, hmacKey, d.newAccount, key.jwk) }, { key });

const hmacOf = (eab: { hmac_key: string }) => Buffer.from(eab.hmac_key, 'base64url');

beforeAll(async () => {
  srv = await startChallTestSrv({ http01Port: 5002 });
  admin = await keystoneToken('admin', 'secret', 'tenant-a');
  adminHome = await keystoneToken('admin', 'secret', 'admin');
  alice = await keystoneToken('alice', 'apass', 'tenant-a');
  bob = await keystoneToken('bob', 'bpass2', 'tenant-b');
  carol = await keystoneToken('carol', 'cpass3', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'ACME Tenancy Root' }, key_type: 'EC-P256', validity_days: 365 });
  otherCa = await createActiveCa(admin, { subject: { CN: 'ACME Tenancy Other Root' }, key_type: 'EC-P256', validity_days: 365 });
  foreignCa = await createActiveCa(adminHome, { subject: { CN: 'ACME Tenancy Foreign Root' }, key_type: 'EC-P256', validity_days: 365 });
  dir = await directoryOf((await mintEab(alice, ca.id)).directory_url);
  otherDir = await directoryOf((await mintEab(alice, otherCa.id)).directory_url);
  foreignDir = await directoryOf((await mintEab(adminHome, foreignCa.id)).directory_url);
  projectA = dir.url.match(/\/v1\/public\/([^/]+)\//)![1];
});
afterAll(async () => {
  await srv?.stop();
});

describe('external account binding', () => {
  it('refuses a wrong MAC, then binds with the right one, once', async () => {
    const eab = await mintEab(alice, ca.id);
    const key = await accountKey();
    expectProblem(await eabAccount(dir, key, eab.kid, Buffer.alloc(32, 1)), 'unauthorized', 403);
    const ok = await eabAccount(dir, key, eab.kid, hmacOf(eab));
    expect(ok.status, ok.text).toBe(201);
    expectProblem(await eabAccount(dir, await accountKey(), eab.kid, hmacOf(eab)), 'unauthorized', 403);
    const listed = (await api('GET', `/v1/cas/${ca.id}/acme/eab-keys`, { token: alice })).body.eab_keys.find((e: any) => e.kid === eab.kid);
    expect(listed).toMatchObject({ status: 'bound', account_id: ok.headers.get('location')!.split('/').pop() });
  });

  it('refuses an expired key (its expiry moved into the past in the store), which the list shows as expired', async () => {
    const eab = await mintEab(alice, ca.id, { expires_in: 60 });
    await updateRecord('EAB', projectA, eab.kid, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const listed = (await api('GET', `/v1/cas/${ca.id}/acme/eab-keys`, { token: carol })).body.eab_keys.find((e: any) => e.kid === eab.kid);
    expect(listed.status).toBe('expired');
    expectProblem(await eabAccount(dir, await accountKey(), eab.kid, hmacOf(eab)), 'unauthorized', 403);
  });

  it('refuses a key minted for another CA of the project, or for a CA of another project', async () => {
    const forOther = await mintEab(alice, otherCa.id);
    expectProblem(await eabAccount(dir, await accountKey(), forOther.kid, hmacOf(forOther)), 'unauthorized', 403);
    const forForeign = await mintEab(adminHome, foreignCa.id);
    expectProblem(await eabAccount(dir, await accountKey(), forForeign.kid, hmacOf(forForeign)), 'unauthorized', 403);
    // Both still bind where they belong.
    expect((await eabAccount(otherDir, await accountKey(), forOther.kid, hmacOf(forOther))).status).toBe(201);
    expect((await eabAccount(foreignDir, await accountKey(), forForeign.kid, hmacOf(forForeign))).status).toBe(201);
  });
});

describe('one directory\'s accounts, orders and nonces at another', () => {
  let key: AccountKey;
  let accountUrl: string;
  let orderUrl: string;
  beforeAll(async () => {
    key = await accountKey();
    const eab = await mintEab(alice, ca.id);
    const res = await eabAccount(dir, key, eab.kid, hmacOf(eab));
    expect(res.status, res.text).toBe(201);
    accountUrl = res.headers.get('location')!;
    const order = await signedPost(dir.newOrder, { identifiers: [{ type: 'dns', value: 'tenancy.acme.test' }] }, { key, kid: accountUrl });
    expect(order.status, order.text).toBe(201);
    orderUrl = order.headers.get('location')!;
  });

  it('an account of CA X is unknown at CA Y, by its URL or by its id under Y', async () => {
    expectProblem(await signedPost(otherDir.newOrder, { identifiers: [{ type: 'dns', value: 'x.acme.test' }] }, { key, kid: accountUrl }), 'accountDoesNotExist', 400);
    const id = accountUrl.split('/').pop()!;
    const underY = `${otherDir.newAccount.replace(/new-account$/, 'acct/')}${id}`;
    expectProblem(await signedPost(underY, undefined, { key, kid: underY }), 'accountDoesNotExist', 400);
    expectProblem(await signedPost(otherDir.newAccount, { onlyReturnExisting: true }, { key }), 'accountDoesNotExist', 400);
  });

  it('a nonce of another project\'s directory is refused, and is still good where it was issued', async () => {
    const foreign = await freshNonce(foreignDir.newNonce);
    expectProblem(await signedPost(accountUrl, undefined, { key, kid: accountUrl, nonce: foreign }), 'badNonce', 400);
    const fk = await accountKey();
    const eab = await mintEab(adminHome, foreignCa.id);
    const res = await signedPost(foreignDir.newAccount, { termsOfServiceAgreed: true, externalAccountBinding: await eabJws(eab.kid, hmacOf(eab), foreignDir.newAccount, fk.jwk) }, { key: fk, nonce: foreign });
    expect(res.status, res.text).toBe(201);
  });

  it('the directory of a tenant-a CA under tenant-b\'s project id is 404', async () => {
    const projectB = await projectIdOf(bob);
    const url = dir.url.replace(`/public/${projectA}/`, `/public/${projectB}/`);
    const res = await fetch(url);
    const text = await res.text();
    expectProblem({ status: res.status, headers: res.headers, text, body: JSON.parse(text) }, 'malformed', 404);
    const post = await signedPost(accountUrl.replace(`/public/${projectA}/`, `/public/${projectB}/`), undefined, { key, kid: accountUrl });
    expectProblem(post, 'malformed', 404);
  });

  it('the normal API lists the project\'s accounts and orders, shows an order\'s authorizations, and 404s them to another project', async () => {
    const accountId = accountUrl.split('/').pop()!;
    const orderId = orderUrl.split('/').pop()!;
    const accounts = await api('GET', `/v1/acme/accounts?ca_id=${ca.id}`, { token: carol });
    expect(accounts.status, JSON.stringify(accounts.body)).toBe(200);
    expect(accounts.body.accounts.map((a: any) => a.id)).toContain(accountId);
    expect(accounts.body.accounts.every((a: any) => a.ca_id === ca.id)).toBe(true);
    const orders = await api('GET', `/v1/acme/orders?account_id=${accountId}`, { token: alice });
    expect(orders.body.orders.map((o: any) => o.id)).toEqual([orderId]);
    const order = await api('GET', `/v1/acme/orders/${orderId}`, { token: carol });
    expect(order.status).toBe(200);
    expect(order.body.order).toMatchObject({ account_id: accountId, status: 'pending', identifiers: [{ type: 'dns', value: 'tenancy.acme.test' }] });
    expect(order.body.order.authorizations).toEqual([expect.objectContaining({ identifier: { type: 'dns', value: 'tenancy.acme.test' }, status: 'pending', wildcard: false })]);
    expect((await api('GET', `/v1/acme/accounts/${accountId}`, { token: bob })).status).toBe(404);
    expect((await api('GET', `/v1/acme/orders/${orderId}`, { token: bob })).status).toBe(404);
    expect((await api('GET', '/v1/acme/accounts', { token: bob })).body.accounts.map((a: any) => a.id)).not.toContain(accountId);
    expect((await api('GET', '/v1/acme/orders', { token: bob })).body.orders.map((o: any) => o.id)).not.toContain(orderId);
  });
});

describe('the EAB requirement', () => {
  it('only an admin may drop it; then an account needs no EAB and the directory says so', async () => {
    const open = await createActiveCa(admin, { subject: { CN: 'ACME Open Root' }, key_type: 'EC-P256', validity_days: 365 });
    const byMember = await api('PUT', `/v1/cas/${open.id}/acme`, { token: alice, body: { external_account_required: false } });
    expect(byMember.status).toBe(403);
    const url = dir.url.replace(ca.id, open.id);
    expect((await directoryOf(url)).meta.externalAccountRequired).toBe(true);
    const byAdmin = await api('PUT', `/v1/cas/${open.id}/acme`, { token: admin, body: { external_account_required: false } });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(200);
    expect(byAdmin.body.acme).toEqual({ external_account_required: false, directory_url: url });
    expect((await directoryOf(url)).meta.externalAccountRequired).toBe(false);
    const client = new acme.Client({ directoryUrl: url, accountKey: await acme.crypto.createPrivateEcdsaKey() });
    const account = await client.createAccount({ termsOfServiceAgreed: true });
    expect(account.status).toBe('valid');
    // Still closed: the other directories.
    expectProblem(await signedPost(dir.newAccount, { termsOfServiceAgreed: true }, { key: await accountKey() }), 'externalAccountRequired', 400);
  });
});
