import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeOrderRecord, CaRecord } from '../../../lib/store/index.js';
import { normaliseSerialHex } from '../../../lib/x509/index.js';
import { makeCsr, tempDir, verifyChain } from '../../support/openssl.js';
import { activeRoot, memoryWorker, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * The worker signs an ACME certificate only for its own order, while processing, for a valid account,
 * with every name validated by the validator (never on the front end's word: `status` alone is not enough).
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const P = 'project-a';
const NAME = 'web.acme.test';

async function acmeSetup(w: MemoryWorker, ca: CaRecord, opts: { validated?: boolean; names?: string[] } = {}) {
  const at = new Date().toISOString();
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  const account: AcmeAccountRecord = { id: randomUUID(), projectId: P, caId: ca.id, status: 'valid', jwk: { kty: 'EC' }, thumbprint: 't', grants: { wildcard: false, ttlOverMax: false }, createdBy: 'user-1', createdAt: at, updatedAt: at };
  const orderId = randomUUID();
  const names = opts.names ?? [NAME];
  const authzs: AcmeAuthzRecord[] = names.map((value) => ({
    id: randomUUID(),
    projectId: P,
    caId: ca.id,
    accountId: account.id,
    orderId,
    identifier: { type: 'dns', value },
    wildcard: false,
    status: 'valid',
    expires,
    challenges: [{ type: 'http-01', token: 'tok', requestedAt: at }],
    ...(opts.validated === false ? {} : { validation: { status: 'valid' as const, type: 'http-01' as const, at } }),
    createdAt: at,
    updatedAt: at,
  }));
  const { csr } = makeCsr(tmp.dir, 'ec256', NAME, [`DNS:${NAME}`]);
  const { cert, job } = await pendingCertificate(w.store, P, ca.id, { csrPem: csr, sans: [`DNS:${NAME}`], acme: { accountId: account.id, orderId } });
  const order: AcmeOrderRecord = { id: orderId, projectId: P, caId: ca.id, accountId: account.id, status: 'processing', identifiers: [{ type: 'dns', value: NAME }], authorizationIds: authzs.map((a) => a.id), expires, profile: 'default', certificateId: cert.id, createdAt: at, updatedAt: at };
  const raw = w.store as unknown as { acme: { accounts: { create(a: unknown): Promise<void> }; orders: { create(a: unknown): Promise<void> }; authorizations: { create(a: unknown): Promise<void> } } };
  await raw.acme.accounts.create(account);
  await raw.acme.orders.create(order);
  for (const a of authzs) await raw.acme.authorizations.create(a);
  return { account, order, authzs, cert, job };
}

describe('the worker and ACME orders', () => {
  it('signs for a processing order whose authorizations the validator found valid, and marks the order valid', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { order, cert, job } = await acmeSetup(w, ca);
    expect(await w.run(job)).toBe('succeeded');
    const issued = (await w.store.certificates.get(P, cert.id))!;
    expect(verifyChain(tmp.dir, ca.certificatePem!, issued.certificatePem!)).toContain('OK');
    expect((await w.store.acme.orders.get(P, order.id))!.status).toBe('valid');
    // The serial finds the certificate (revokeCert, renewal-info).
    expect((await w.store.ocspResponses.get(P, ca.id, normaliseSerialHex(issued.serial!)))?.certificateId).toBe(cert.id);
  });

  it('refuses an authorization marked valid without the validator\'s finding (what a compromised front end could write)', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { order, cert, job } = await acmeSetup(w, ca, { validated: false });
    const before = w.signatures();
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/ACME_ORDER_NOT_AUTHORIZED.*not valid/);
    expect((await w.store.acme.orders.get(P, order.id))!.status).toBe('invalid');
    expect(w.signatures()).toBe(before);
  });

  it('refuses an order whose authorizations do not cover the certificate\'s names', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { cert, job } = await acmeSetup(w, ca, { names: ['other.acme.test'] });
    const before = w.signatures();
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/ACME_ORDER_NOT_AUTHORIZED/);
    expect(w.signatures()).toBe(before);
  });

  it('refuses when the account was deactivated or the order is not processing', async () => {
    for (const tamper of ['account', 'order'] as const) {
      const w = memoryWorker();
      const ca = await activeRoot(w, P);
      const { account, order, cert, job } = await acmeSetup(w, ca);
      if (tamper === 'account') w.store.raw.get(w.store.keyOf('ACCT', P, account.id))!.status = 'deactivated';
      else w.store.raw.get(w.store.keyOf('ORDER', P, order.id))!.status = 'pending';
      const before = w.signatures();
      expect(await w.run(job), tamper).toBe('failed');
      expect((await w.store.certificates.get(P, cert.id))!.failureReason, tamper).toMatch(/ACME_ORDER_NOT_AUTHORIZED/);
      expect(w.signatures(), tamper).toBe(before);
    }
  });

  it('refuses a certificate pointed at another account\'s order', async () => {
    const w = memoryWorker();
    const ca = await activeRoot(w, P);
    const { cert, job } = await acmeSetup(w, ca);
    w.store.raw.get(w.store.keyOf('CERT', P, cert.id))!.acme = { accountId: randomUUID(), orderId: (cert.acme as { orderId: string }).orderId };
    expect(await w.run(job)).toBe('failed');
    expect((await w.store.certificates.get(P, cert.id))!.failureReason).toMatch(/not the order/);
  });
});
