import { checkAcmeAuthorizations } from '../ra/index.js';
import { StaleRecordError, type CertificateRecord } from '../store/index.js';
import type { WorkerContext } from './context.js';

/**
 * An ACME certificate is signed only for the order it was asked for, while that order is
 * processing, its account valid and every name validated (read again here: nothing the queue or
 * the front end said is taken on trust).
 */
export async function checkAcmeOrder(cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  const { accountId, orderId } = cert.acme!;
  const [order, account] = await Promise.all([ctx.store.acme.orders.get(cert.projectId, orderId), ctx.store.acme.accounts.get(cert.projectId, accountId)]);
  const authzs = await Promise.all((order?.authorizationIds ?? []).map((id) => ctx.store.acme.authorizations.get(cert.projectId, id)));
  checkAcmeAuthorizations(cert, order, account, authzs, ctx.now());
}

const ignoreStale = (e: unknown) => {
  if (!(e instanceof StaleRecordError)) throw e;
};

export async function acmeOrderIssued(cert: CertificateRecord, ctx: WorkerContext): Promise<void> {
  await ctx.store.acme.orders.update(cert.projectId, cert.acme!.orderId, { status: 'valid' }, ['processing']).catch(ignoreStale);
}

/** The certificate failed for good: so does its order, with the reason the client can read. */
export async function acmeOrderFailed(cert: CertificateRecord, reason: string, ctx: WorkerContext): Promise<void> {
  await ctx.store.acme.orders.update(cert.projectId, cert.acme!.orderId, { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:serverInternal', detail: reason } }, ['processing']).catch(ignoreStale);
}
