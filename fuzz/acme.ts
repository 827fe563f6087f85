import * as acme from 'acme-client';
import { FlattenedSign } from 'jose';
import { accountKey, signJws, type AccountKey, type SignOpts } from '../test/support/acmeJws.js';
import { startChallTestSrv, type ChallTestSrv } from '../test/support/acmeClients.js';
import { mutateJwsMembers, mutatedJwsBody } from '../test/support/jwsMutations.js';
import type { Rng } from '../test/support/prng.js';
import { mutateBody, type Json } from './mutate.js';
import { isAcmeServer, operations, type Operation } from './routes.js';
import type { FuzzRequest } from './send.js';

/**
 * The JWS category: every resource of the ACME server (from the API document), with JWSs that are
 * mutated as envelopes (shared with the acmeFuzz suite), signed properly over mutated payloads, or
 * signed with odd protected headers; by a real account (kid) or a new key (jwk). And the finalize
 * path of the CSR category: mutated CSRs in properly signed requests to ready orders.
 */
export interface AcmeFixtures {
  base: string;
  account: { key: AccountKey; url: string };
  /** Objects of the account: a pending order and its authorization. */
  orderUrl: string;
  authzUrl: string;
  /** Ready orders to finalize with mutated CSRs. */
  orders: ReadyOrders;
  stop(): Promise<void>;
}

/** The names the CSR fuzz bases carry: the ready orders are for them, so a finalize reaches the CSR checks. */
export const ACME_NAME = 'csr.fuzz.acme.test';

/**
 * Ready orders (their http-01 answered through challtestsrv). A mutated CSR that is still valid
 * finalizes its order, which is then spent: a new one is readied in its place, so the finalize
 * path keeps meeting the CSR checks rather than `orderNotReady`.
 */
export class ReadyOrders {
  private readonly urls: string[] = [];
  private readonly refills = new Set<Promise<void>>();
  private last = '';

  constructor(
    private readonly client: acme.Client,
    private readonly srv: ChallTestSrv,
  ) {}

  async ready(): Promise<void> {
    const order = await this.client.createOrder({ identifiers: [{ type: 'dns', value: ACME_NAME }] });
    for (const authz of await this.client.getAuthorizations(order)) {
      const challenge = authz.challenges.find((c) => c.type === 'http-01')!;
      await this.srv.addHttp01(challenge.token, await this.client.getChallengeKeyAuthorization(challenge));
      await this.client.completeChallenge(challenge);
      await this.client.waitForValidStatus(challenge);
    }
    this.urls.push(order.finalize);
  }

  /** A ready order's finalize URL; while all are spent and their successors not yet ready, the last spent one. */
  pick(rand: Rng): string {
    return this.urls.length ? rand.pick(this.urls) : this.last;
  }

  /** The order of `finalizeUrl` is no longer ready: ready another in its place (once per order). */
  spent(finalizeUrl: string): void {
    const i = this.urls.indexOf(finalizeUrl);
    if (i < 0) return;
    this.last = this.urls.splice(i, 1)[0];
    this.refill();
  }

  private refill(): void {
    const p: Promise<void> = this.ready()
      .catch((e: Error) => console.error(`fuzz: could not ready another ACME order: ${e.message}`))
      .finally(() => this.refills.delete(p));
    this.refills.add(p);
  }

  async settled(): Promise<void> {
    await Promise.all([...this.refills]);
  }
}

export async function acmeFixtures(directoryUrl: string, eab: () => Promise<{ kid: string; hmac_key: string }>, readyOrders: number): Promise<AcmeFixtures> {
  const srv: ChallTestSrv = await startChallTestSrv({ http01Port: 5002 });
  try {
    const key = await accountKey();
    const { kid, hmac_key } = await eab();
    const client = new acme.Client({ directoryUrl, accountKey: key.pem, externalAccountBinding: { kid, hmacKey: hmac_key }, backoffAttempts: 60, backoffMin: 100, backoffMax: 500 });
    await client.createAccount({ termsOfServiceAgreed: true });
    const pending = await client.createOrder({ identifiers: [{ type: 'dns', value: 'pending.fuzz.acme.test' }] });
    const orders = new ReadyOrders(client, srv);
    await Promise.all(Array.from({ length: readyOrders }, () => orders.ready()));
    const stop = async () => {
      await orders.settled();
      await srv.stop();
    };
    return { base: directoryUrl.replace(/\/directory$/, ''), account: { key, url: client.getAccountUrl() }, orderUrl: pending.url, authzUrl: pending.authorizations[0], orders, stop };
  } catch (e) {
    await srv.stop();
    throw e;
  }
}

const PAYLOADS: Record<string, Json[]> = {
  'new-account': [{ termsOfServiceAgreed: true, contact: ['mailto:fuzz@example.org'] }, { onlyReturnExisting: true }],
  'new-order': [{ identifiers: [{ type: 'dns', value: 'x.fuzz.acme.test' }] }, { identifiers: [{ type: 'ip', value: '192.0.2.1' }], notAfter: '2030-01-01T00:00:00Z' }],
  'revoke-cert': [{ certificate: 'MIIB', reason: 1 }],
  'key-change': [{ account: 'x', oldKey: {} }],
  acct: [{ contact: ['mailto:fuzz@example.org'] }, { status: 'deactivated' }],
  finalize: [{ csr: 'MIIB' }],
  chall: [{}],
};

// No '..' or '.': a URL parser would normalise them into another route.
const GARBAGE_SEGMENTS = ['x', '00000000-0000-4000-8000-000000000000', '...', '%00', 'A'.repeat(300), '%F0%9F%92%A9', 'http-01', 'dns-01', 'foo', ''];
const HEADER_GAMES: ((o: SignOpts, rand: Rng, url: string) => SignOpts)[] = [
  (o) => ({ ...o, nonce: null }),
  (o, rand) => ({ ...o, nonce: rand.pick(['', 'x', 'A'.repeat(100), '!!!!']) }),
  (o, rand, url) => ({ ...o, headerUrl: rand.pick([`${url}/x`, url.replace('/acme/', '/acme2/'), '', 'x']) }),
  (o, rand) => ({ ...o, alg: rand.pick(['none', 'HS256', 'RS256', 'ES384', 'EdDSA', 'es256', 'ES256K']) }),
  (o) => ({ ...o, jwk: true }),
  (o, rand) => ({ ...o, extraHeader: rand.pick<Record<string, unknown>>([{ crit: ['b64'], b64: false }, { kid: 1 }, { kid: 'https://evil.example/acct/1' }, { jwk: { kty: 'EC' } }, { url: 1 }, { nonce: [] }, { typ: 'JWT' }, { x5c: ['AAAA'] }]) }),
  (o, rand) => ({ ...o, extraMembers: rand.pick<Record<string, unknown>>([{ header: { alg: 'ES256' } }, { signatures: [] }]) }),
];

const resourceOf = (template: string) => /\/acme\/([a-z-]+)/.exec(template)?.[1] ?? '';

export class JwsCases {
  private readonly ops: Operation[];
  private readonly fresh: Promise<AccountKey>;

  constructor(
    private readonly fx: AcmeFixtures,
    /** A nonce for the next signed request (from earlier answers, or fetched). */
    private readonly nonce: () => Promise<string>,
  ) {
    this.ops = operations().filter((o) => isAcmeServer(o.template));
    this.fresh = accountKey();
  }

  routes(): string[] {
    return [...new Set(this.ops.map((o) => o.route))];
  }

  private urlOf(op: Operation, rand: Rng, whats: string[]): string {
    const tail = op.template.replace(/^.*\/acme\//, '');
    const resource = resourceOf(op.template);
    const real: Record<string, string> = { acct: this.fx.account.url, order: this.fx.orderUrl, authz: this.fx.authzUrl, chall: `${this.fx.authzUrl.replace('/authz/', '/chall/')}/http-01`, finalize: `${this.fx.orderUrl}/finalize` };
    const garbage = rand.chance(0.25);
    if (garbage) whats.push('garbage path');
    if (!garbage && tail.includes('{')) {
      const known = real[resource === 'order' && tail.endsWith('finalize') ? 'finalize' : resource];
      if (known) return known;
    }
    return `${this.fx.base}/${tail.replace(/\{\w+\}/g, () => encodeURIComponent(rand.pick(GARBAGE_SEGMENTS)))}`;
  }

  async make(rand: Rng): Promise<FuzzRequest> {
    const op = rand.pick(this.ops);
    const whats: string[] = [];
    const url = this.urlOf(op, rand, whats);
    // GET and HEAD resources (directory, nonces, renewal info) and the catch-all: paths and methods only.
    if (op.method !== 'POST' || rand.chance(0.05)) {
      const method = op.method === 'POST' ? rand.pick(['GET', 'PUT', 'DELETE', 'PATCH']) : op.method;
      return { category: 'jws', label: `${op.route}: ${whats[0] ?? method}`, kind: 'acme', method, path: url, headers: {}, token: 'none' };
    }
    const resource = resourceOf(op.template);
    const payloads = PAYLOADS[url.endsWith('/finalize') ? 'finalize' : resource] ?? [{}];
    const payload: Json | undefined = rand.chance(0.15) ? undefined : rand.pick(payloads);
    const byAccount = resource !== 'new-account' && rand.chance(0.7);
    let opts: SignOpts = { key: byAccount ? this.fx.account.key : await this.fresh, ...(byAccount ? { kid: this.fx.account.url } : {}), nonce: await this.nonce() };
    const how = rand.int(3);
    let body: string;
    if (how === 0) {
      whats.push('envelope');
      body = mutatedJwsBody(rand, await signJws(url, payload, opts));
    } else if (how === 1 && payload !== undefined) {
      const m = mutateBody(rand, payload);
      whats.push(`payload ${m.what}`);
      // Signed over the mutated text itself, so the server meets it after the signature verifies.
      const header = { alg: opts.key.alg, nonce: opts.nonce ?? undefined, url, ...(opts.kid ? { kid: opts.kid } : { jwk: opts.key.jwk }) };
      body = JSON.stringify(await new FlattenedSign(new TextEncoder().encode(m.text)).setProtectedHeader(header).sign(opts.key.privateKey));
    } else {
      opts = rand.pick(HEADER_GAMES)(opts, rand, url);
      whats.push('header');
      const jws = await signJws(url, payload, opts);
      body = JSON.stringify(rand.chance(0.3) ? mutateJwsMembers(rand, jws) : jws);
    }
    return { category: 'jws', label: `${op.route}: ${whats.join(', ')}`, kind: 'acme', method: 'POST', path: url, headers: { 'Content-Type': rand.chance(0.05) ? 'application/json' : 'application/jose+json' }, body, token: 'none' };
  }
}

/** A finalize request carrying a (mutated) CSR, signed by the account that owns the ready orders. */
export async function finalizeRequest(fx: AcmeFixtures, rand: Rng, csrDer: Buffer | undefined, csrText: string, nonce: string, what: string): Promise<FuzzRequest> {
  const url = fx.orders.pick(rand);
  const csr = csrDer ? csrDer.toString('base64url') : csrText;
  const jws = await signJws(url, { csr }, { key: fx.account.key, kid: fx.account.url, nonce });
  return { category: 'csr', label: `ACME finalize: ${what}`, kind: 'acme', method: 'POST', path: url, headers: { 'Content-Type': 'application/jose+json' }, body: JSON.stringify(jws), token: 'none' };
}
