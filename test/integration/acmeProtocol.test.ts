import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { startChallTestSrv, type ChallTestSrv } from '../support/acmeClients.js';
import { accountKey, freshNonce, postRaw, signedPost, signJws, type AccountKey } from '../support/acmeJws.js';
import { expectProblem } from '../support/acmeProblem.js';
import { openssl, tempDir } from '../support/openssl.js';

/**
 * ACME protocol edges (RFC 8555) against the running stack: nonces, the JWS envelope, account
 * lookups, order and finalize states, challenge offers, revocation, key change, deactivation,
 * the orders list and renewal info. Faults acme-client cannot express are sent as raw JWSs.
 */
const tmp = tempDir();
let srv: ChallTestSrv;
let admin: string;
let alice: string;
let ca: any;
let otherCa: any;
let dir: Record<string, any>;
let otherDir: Record<string, any>;

async function mintEab(token: string, caId: string) {
  const res = await api('POST', `/v1/cas/${caId}/acme/eab-keys`, { token, body: {} });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.eab_key as { kid: string; hmac_key: string; directory_url: string };
}

interface Account {
  client: acme.Client;
  key: AccountKey;
  url: string;
}

/** An account made by acme-client with a fresh EAB key (minted by `token`), and its raw key for hand-made JWSs. */
async function newAccount(token = alice, d = dir, caId = ca.id): Promise<Account> {
  const eab = await mintEab(token, caId);
  const key = await accountKey();
  const client = new acme.Client({ directoryUrl: d.url, accountKey: key.pem, externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmac_key }, backoffAttempts: 40, backoffMin: 100, backoffMax: 500 });
  await client.createAccount({ termsOfServiceAgreed: true });
  return { client, key, url: client.getAccountUrl() };
}

async function validateHttp01(a: Account, order: acme.Order) {
  for (const authz of await a.client.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => c.type === 'http-01')!;
    await srv.addHttp01(challenge.token, await a.client.getChallengeKeyAuthorization(challenge));
    await a.client.completeChallenge(challenge);
    await a.client.waitForValidStatus(challenge);
  }
}

const derOf = (pem: string | Buffer, label: string) => Buffer.from(String(pem).replace(new RegExp(`-----(BEGIN|END) ${label}-----|\\s`, 'g'), ''), 'base64').toString('base64url');

async function issue(a: Account, identifiers: Array<{ type: string; value: string }>) {
  const order = await a.client.createOrder({ identifiers });
  await validateHttp01(a, order);
  const [keyPem, csr] = await acme.crypto.createCsr({ altNames: identifiers.map((i) => i.value) }, await acme.crypto.createPrivateEcdsaKey());
  const valid = await a.client.waitForValidStatus(await a.client.finalizeOrder(order, csr));
  const chain = await a.client.getCertificate(valid);
  return { order: { ...valid, url: order.url }, chain, leaf: chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0], keyPem: keyPem.toString() };
}

async function directoryOf(url: string) {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { ...((await res.json()) as Record<string, any>), url } as Record<string, any>;
}

beforeAll(async () => {
  srv = await startChallTestSrv({ http01Port: 5002 });
  admin = await keystoneToken('admin', 'secret', 'tenant-a');
  alice = await keystoneToken('alice', 'apass', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'ACME Edges Root' }, key_type: 'EC-P256', validity_days: 365 });
  otherCa = await createActiveCa(admin, { subject: { CN: 'ACME Edges Other Root' }, key_type: 'EC-P256', validity_days: 365 });
  dir = await directoryOf((await mintEab(alice, ca.id)).directory_url);
  otherDir = await directoryOf((await mintEab(alice, otherCa.id)).directory_url);
});
afterAll(async () => {
  await srv?.stop();
  tmp.cleanup();
});

describe('nonces', () => {
  let a: Account;
  beforeAll(async () => {
    a = await newAccount();
  });
  const getAccount = (nonce?: string) => signedPost(a.url, undefined, { key: a.key, kid: a.url, ...(nonce ? { nonce } : {}) });

  it('refuses a nonce never issued, and a request without one', async () => {
    expectProblem(await getAccount('A'.repeat(54)), 'badNonce', 400);
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, nonce: null }), 'badNonce', 400);
  });

  it('refuses a nonce used twice, with a fresh nonce on the error, and that one works (a client retry)', async () => {
    const nonce = await freshNonce(a.url);
    expect((await getAccount(nonce)).status).toBe(200);
    const replay = await getAccount(nonce);
    expectProblem(replay, 'badNonce', 400);
    const fresh = replay.headers.get('replay-nonce')!;
    expect(fresh).not.toBe(nonce);
    const retried = await getAccount(fresh);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.status).toBe('valid');
  });

  it('takes a nonce only at the directory that issued it (RFC 8555 6.5: one use, server-wide)', async () => {
    const foreign = await freshNonce(otherDir.newNonce);
    expectProblem(await getAccount(foreign), 'badNonce', 400);
    // Not spent by the refusal: it is still good where it came from.
    const b = await newAccount(alice, otherDir, otherCa.id);
    expect((await signedPost(b.url, undefined, { key: b.key, kid: b.url, nonce: foreign })).status).toBe(200);
  });
});

describe('the JWS envelope', () => {
  let a: Account;
  beforeAll(async () => {
    a = await newAccount();
  });

  it('refuses a "url" other than the one posted to', async () => {
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, headerUrl: dir.newOrder }), 'unauthorized', 403);
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, headerUrl: a.url.replace(/\/acme\//, '/acme//') }), 'unauthorized', 403);
  });

  it('needs exactly one of "jwk" and "kid", and no unprotected header', async () => {
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, jwk: true }), 'malformed', 400);
    const neither = await signJws(a.url, undefined, { key: a.key, kid: a.url });
    const h = JSON.parse(Buffer.from(neither.protected as string, 'base64url').toString());
    delete h.kid;
    expectProblem(await postRaw(a.url, JSON.stringify({ ...neither, protected: Buffer.from(JSON.stringify(h)).toString('base64url') })), 'malformed', 400);
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, extraMembers: { header: { kid: a.url } } }), 'malformed', 400);
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, extraMembers: { signatures: [] } }), 'malformed', 400);
  });

  it('answers HS256, none and unknown algorithms with badSignatureAlgorithm', async () => {
    for (const alg of ['HS256', 'none', 'ES999', 'RS1']) {
      expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url, alg }), 'badSignatureAlgorithm', 400);
      expectProblem(await signedPost(dir.newAccount, {}, { key: a.key, alg }), 'badSignatureAlgorithm', 400);
    }
  });

  it('answers a non-JSON, an oversized and a badly encoded body with a problem, never 5xx', async () => {
    expectProblem(await postRaw(a.url, 'not json'), 'malformed', 400);
    expectProblem(await postRaw(a.url, '[1,2]'), 'malformed', 400);
    expectProblem(await postRaw(a.url, ''), 'malformed', 400);
    const big = await signJws(dir.newOrder, { identifiers: [{ type: 'dns', value: 'x.acme.test' }], pad: 'x'.repeat(70 * 1024) }, { key: a.key, kid: a.url });
    expectProblem(await postRaw(dir.newOrder, JSON.stringify(big)), 'malformed', 413);
    const good = await signJws(a.url, {}, { key: a.key, kid: a.url });
    expectProblem(await postRaw(a.url, JSON.stringify({ ...good, payload: `${good.payload as string}=` })), 'malformed', 400);
    expectProblem(await postRaw(a.url, JSON.stringify({ ...good, signature: 'a+b/c' })), 'malformed', 400);
    expectProblem(await postRaw(a.url, JSON.stringify({ ...good, protected: 'bm90IGpzb24' })), 'malformed', 400);
    expectProblem(await postRaw(a.url, JSON.stringify({ ...good, signature: Buffer.from('forged').toString('base64url') })), 'malformed', 400);
  });
});

describe('accounts', () => {
  it('onlyReturnExisting for an unknown key is accountDoesNotExist; newAccount again with a known key is 200 and the same Location, without EAB', async () => {
    const stranger = await accountKey();
    expectProblem(await signedPost(dir.newAccount, { onlyReturnExisting: true }, { key: stranger }), 'accountDoesNotExist', 400);
    const a = await newAccount();
    const again = await signedPost(dir.newAccount, { termsOfServiceAgreed: true }, { key: a.key });
    expect(again.status, again.text).toBe(200);
    expect(again.headers.get('location')).toBe(a.url);
    const existing = await signedPost(dir.newAccount, { onlyReturnExisting: true }, { key: a.key });
    expect(existing.status).toBe(200);
    expect(existing.headers.get('location')).toBe(a.url);
  });

  it('key change: the new key signs, the old one is unknown; a key another account holds is 409', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const newKey = await accountKey();
    await a.client.updateAccountKey(newKey.pem);
    expect((await signedPost(a.url, undefined, { key: newKey, kid: a.url })).status).toBe(200);
    expectProblem(await signedPost(dir.newAccount, { onlyReturnExisting: true }, { key: a.key }), 'accountDoesNotExist', 400);
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url }), 'malformed', 400);
    // b's key for a: refused with 409 and the holder's Location.
    const inner = await signJws(dir.keyChange, { account: a.url, oldKey: newKey.jwk }, { key: b.key, nonce: null });
    const conflict = await signedPost(dir.keyChange, inner, { key: newKey, kid: a.url });
    expectProblem(conflict, 'malformed', 409);
    expect(conflict.headers.get('location')).toBe(b.url);
    expect((await signedPost(b.url, undefined, { key: b.key, kid: b.url })).status).toBe(200);
  });

  it('a deactivated account can do nothing more', async () => {
    const a = await newAccount();
    expect((await a.client.updateAccount({ status: 'deactivated' })).status).toBe('deactivated');
    expectProblem(await signedPost(a.url, undefined, { key: a.key, kid: a.url }), 'unauthorized', 403);
    expectProblem(await signedPost(dir.newOrder, { identifiers: [{ type: 'dns', value: 'gone.acme.test' }] }, { key: a.key, kid: a.url }), 'unauthorized', 403);
    expectProblem(await signedPost(dir.newAccount, { onlyReturnExisting: true }, { key: a.key }), 'unauthorized', 403);
  });
});

describe('orders, finalize and challenge offers', () => {
  let a: Account;
  let issued: Awaited<ReturnType<typeof issue>>;
  beforeAll(async () => {
    a = await newAccount();
  });

  it('finalize before ready is orderNotReady; another account\'s order is 404', async () => {
    const order = await a.client.createOrder({ identifiers: [{ type: 'dns', value: 'early.acme.test' }] });
    const [, csr] = await acme.crypto.createCsr({ altNames: ['early.acme.test'] });
    expectProblem(await signedPost(order.finalize, { csr: derOf(csr, 'CERTIFICATE REQUEST') }, { key: a.key, kid: a.url }), 'orderNotReady', 403);
    const b = await newAccount();
    expectProblem(await signedPost(order.url, undefined, { key: b.key, kid: b.url }), 'malformed', 404);
    expectProblem(await signedPost(order.authorizations[0], undefined, { key: b.key, kid: b.url }), 'malformed', 404);
  });

  it('a CSR naming other names is badCSR and leaves the order ready; the right CSR then issues', async () => {
    const order = await a.client.createOrder({ identifiers: [{ type: 'dns', value: 'csr.acme.test' }] });
    await validateHttp01(a, order);
    const [, wrong] = await acme.crypto.createCsr({ altNames: ['csr.acme.test', 'extra.acme.test'] });
    expectProblem(await signedPost(order.finalize, { csr: derOf(wrong, 'CERTIFICATE REQUEST') }, { key: a.key, kid: a.url }), 'badCSR', 400);
    expect((await signedPost(order.url, undefined, { key: a.key, kid: a.url })).body.status).toBe('ready');
    const [keyPem, right] = await acme.crypto.createCsr({ altNames: ['csr.acme.test'] }, await acme.crypto.createPrivateEcdsaKey());
    const valid = await a.client.waitForValidStatus(await a.client.finalizeOrder(order, right));
    const chain = await a.client.getCertificate(valid);
    issued = { order: { ...valid, url: order.url }, chain, leaf: chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0], keyPem: keyPem.toString() };
    expect(new X509Certificate(issued.leaf).subjectAltName).toBe('DNS:csr.acme.test');
  });

  it('lists the account\'s orders at its "orders" URL', async () => {
    const view = await signedPost(a.url, undefined, { key: a.key, kid: a.url });
    const list = await signedPost(view.body.orders, undefined, { key: a.key, kid: a.url });
    expect(list.status, list.text).toBe(200);
    expect(list.body.orders).toContain(issued.order.url);
    expect(list.body.orders.length).toBe(2);
  });

  it('offers only dns-01 for a wildcard', async () => {
    const w = await newAccount(admin);
    const order = await w.client.createOrder({ identifiers: [{ type: 'dns', value: '*.wild.acme.test' }] });
    const [authz] = await w.client.getAuthorizations(order);
    expect(authz.identifier).toEqual({ type: 'dns', value: 'wild.acme.test' });
    expect(authz.wildcard).toBe(true);
    expect(authz.challenges.map((c) => c.type)).toEqual(['dns-01']);
  });

  it('offers http-01 and tls-alpn-01 (no dns-01) for an IP identifier, and issues it by http-01 with SAN IP:127.0.0.1', async () => {
    const order = await a.client.createOrder({ identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
    const [authz] = await a.client.getAuthorizations(order);
    expect(authz.challenges.map((c) => c.type).sort()).toEqual(['http-01', 'tls-alpn-01']);
    const { leaf } = await issue(a, [{ type: 'ip', value: '127.0.0.1' }]);
    expect(new X509Certificate(leaf).subjectAltName).toBe('IP Address:127.0.0.1');
  });

  it('renewal info: a window inside the validity with Retry-After; 404 for an unknown serial', async () => {
    const x = new X509Certificate(issued.leaf);
    const akiText = openssl(['x509', '-noout', '-ext', 'authorityKeyIdentifier'], issued.leaf);
    const aki = Buffer.from(akiText.split('\n')[1].trim().replace(/^keyid:/, '').replace(/:/g, ''), 'hex').toString('base64url');
    let serialHex = x.serialNumber.length % 2 ? `0${x.serialNumber}` : x.serialNumber;
    if (parseInt(serialHex.slice(0, 2), 16) >= 0x80) serialHex = `00${serialHex}`;
    const res = await fetch(`${dir.renewalInfo}/${aki}.${Buffer.from(serialHex, 'hex').toString('base64url')}`);
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const [start, end] = [Date.parse(body.suggestedWindow.start), Date.parse(body.suggestedWindow.end)];
    expect(start).toBeLessThan(end);
    expect(start).toBeGreaterThan(Date.parse(x.validFrom));
    expect(end).toBeLessThan(Date.parse(x.validTo));
    const unknown = await fetch(`${dir.renewalInfo}/${aki}.${Buffer.from('7f0102030405', 'hex').toString('base64url')}`);
    const text = await unknown.text();
    expectProblem({ status: unknown.status, headers: unknown.headers, text, body: JSON.parse(text) }, 'malformed', 404);
    // Right AKI, unusable serials: an empty one, a non-canonical spelling, a third part.
    for (const id of [`${aki}.a`, `${aki}.`, `${aki}.AQ=`, `${aki}.AR`, `${aki}.AQ.AQ`]) {
      const res = await fetch(`${dir.renewalInfo}/${id}`);
      const t = await res.text();
      expectProblem({ status: res.status, headers: res.headers, text: t, body: JSON.parse(t) }, 'malformed', 400);
    }
  });

  it('revokes by the account key once (then alreadyRevoked) and the CRL lists it; by the certificate\'s own key; never for cACompromise', async () => {
    const certificate = derOf(issued.leaf, 'CERTIFICATE');
    expectProblem(await signedPost(dir.revokeCert, { certificate, reason: 2 }, { key: a.key, kid: a.url }), 'badRevocationReason', 400);
    await a.client.revokeCertificate(issued.leaf, { reason: 4 });
    expectProblem(await signedPost(dir.revokeCert, { certificate }, { key: a.key, kid: a.url }), 'alreadyRevoked', 400);
    const serial = new X509Certificate(issued.leaf).serialNumber.toUpperCase().replace(/^0+/, '');
    const project = dir.url.match(/\/v1\/public\/([^/]+)\//)![1];
    const until = Date.now() + 30_000;
    let text = '';
    for (; !text.includes(serial) && Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      const crl = await api('GET', `/v1/public/${project}/cas/${ca.id}/crl?format=pem`);
      text = crl.status === 200 ? openssl(['crl', '-noout', '-text'], crl.body) : '';
    }
    expect(text).toContain(serial);
    expect(text).toMatch(/Superseded/);

    const other = await issue(a, [{ type: 'dns', value: 'own-key.acme.test' }]);
    const certKey = await accountKey(other.keyPem);
    const stranger = await accountKey();
    const otherDer = derOf(other.leaf, 'CERTIFICATE');
    expectProblem(await signedPost(dir.revokeCert, { certificate: otherDer }, { key: stranger }), 'unauthorized', 403);
    const byKey = await signedPost(dir.revokeCert, { certificate: otherDer, reason: 1 }, { key: certKey });
    expect(byKey.status, byKey.text).toBe(200);
    expect(byKey.headers.get('replay-nonce')).toBeTruthy();
    expectProblem(await signedPost(dir.revokeCert, { certificate: otherDer }, { key: certKey }), 'alreadyRevoked', 400);
  });
});

describe('garbage at every resource', () => {
  it('is answered with an ACME problem, 4xx, with a fresh nonce', async () => {
    const a = await newAccount();
    const ready = await a.client.createOrder({ identifiers: [{ type: 'dns', value: 'garbage.acme.test' }] });
    await validateHttp01(a, ready);
    const [authzUrl] = ready.authorizations;
    const base = dir.newOrder.replace(/new-order$/, '');
    const uuid = crypto.randomUUID();
    const posts: Array<[string, unknown]> = [
      ...[null, 42, 'x', [], { identifiers: 'x' }, { identifiers: [null] }, { identifiers: [[]] }, { identifiers: [{ type: 'dns', value: 42 }] }, { identifiers: [{ type: 'email', value: 'a@b.test' }] },
        { identifiers: [{ type: 'dns', value: 'x.acme.test' }], notAfter: 'soon' }, { identifiers: [{ type: 'dns', value: 'x.acme.test' }], profile: 42 }, { identifiers: [{ type: 'dns', value: 'x.acme.test' }], replaces: 'no' }].map((p): [string, unknown] => [dir.newOrder, p]),
      ...[null, [], { csr: 42 }, { csr: 'AAAA' }, { csr: '' }, { csr: 'MAA' }, {}].map((p): [string, unknown] => [ready.finalize, p]),
      ...[null, {}, { certificate: 42 }, { certificate: 'AAAA' }, { certificate: 'MAA', reason: 1 }, { certificate: 'x', reason: '1' }, { certificate: 'x', reason: 99 }, { certificate: 'x', reason: -1 }].map((p): [string, unknown] => [dir.revokeCert, p]),
      ...[null, [], { contact: 'x' }, { contact: ['http://x.test'] }, { contact: ['mailto:a@b.test?subject=x'] }, { status: 'valid' }].map((p): [string, unknown] => [a.url, p]),
      ...[null, [], { status: 'valid' }, { status: 'deactivated', x: 1 }].map((p): [string, unknown] => [authzUrl, p]),
      [`${authzUrl.replace('/authz/', '/chall/')}/dns-99`, {}],
      [`${authzUrl.replace('/authz/', '/chall/')}/http-01`, []],
      ...[null, {}, 'x', { protected: 'e30', payload: '', signature: 'AA' }].map((p): [string, unknown] => [dir.keyChange, p]),
      [`${base}cert/${uuid}`, undefined],
      [`${base}cert/xyz`, undefined],
      [`${base}order/${uuid}`, undefined],
      [`${base}order/${uuid}/finalize`, {}],
      [`${base}authz/..%2f`, undefined],
      [`${base}acct/${uuid}/orders`, undefined],
    ];
    for (const [url, payload] of posts) {
      const res = await signedPost(url, payload, { key: a.key, kid: a.url });
      expect(res.status, `${url} ${JSON.stringify(payload)}: ${res.text}`).not.toBe(200);
      expectProblem(res);
    }
    for (const p of [42, { externalAccountBinding: 'x' }, { externalAccountBinding: {} }, { contact: [1] }]) expectProblem(await signedPost(dir.newAccount, p, { key: await accountKey() }));
    const aki = Buffer.from('00', 'hex').toString('base64url');
    for (const id of ['a.b', `${aki}.a`, 'x', 'a.b.c', 'a..b', 'AAAA.', `.AAAA`, 'A'.repeat(2000) + '.AQ']) {
      const res = await fetch(`${dir.renewalInfo}/${id}`);
      const text = await res.text();
      expect(res.status, `${id}: ${text}`).toBeGreaterThanOrEqual(400);
      expectProblem({ status: res.status, headers: res.headers, text, body: JSON.parse(text) });
    }
    // The order survived all that, still ready.
    expect((await signedPost(ready.url, undefined, { key: a.key, kid: a.url })).body.status).toBe('ready');
  });
});
