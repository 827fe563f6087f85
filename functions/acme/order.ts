import { isUuid } from '../../lib/http/params.js';
import { randomBytes } from 'node:crypto';
import { AcmeProblem, payloadObject, readSigned, type AcmeHandler, type AcmeRequest } from '../../lib/acme/index.js';
import { orderStatus, orderView } from '../../lib/acme/views.js';
import { AppError } from '../../lib/errors/index.js';
import { recordEvent } from '../../lib/events/index.js';
import { newJob, submitJob } from '../../lib/jobs/index.js';
import { profileFor } from '../../lib/profiles/index.js';
import { authorizationTarget, canonicalIdentifier, challengeTypesFor, checkCsrNames, decideAcmeOrder, decideIssuance, identifierName, ungranted } from '../../lib/ra/index.js';
import { sanToString } from '../../lib/requests/index.js';
import { acmeAuthorizations, acmeOrders, certificates, StaleRecordError, type AcmeAccountRecord, type AcmeAuthzRecord, type AcmeIdentifier, type AcmeOrderRecord, type CertificateRecord } from '../../lib/store/index.js';
import { parseCsr, toPem } from '../../lib/x509/index.js';
import { certificateOfAriId } from './certificate.js';

const MAX_IDENTIFIERS = 100;
/** An order (and its authorizations) lasts a week, as Let's Encrypt's. */
const ORDER_LIFETIME_MS = 7 * 86_400_000;
const B64URL = /^[A-Za-z0-9_-]+$/;

function identifiersOf(raw: unknown): AcmeIdentifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeProblem('malformed', '"identifiers" must be a non-empty array of {type, value}');
  if (raw.length > MAX_IDENTIFIERS) throw new AcmeProblem('rejectedIdentifier', `an order may name at most ${MAX_IDENTIFIERS} identifiers`);
  const out = new Map<string, AcmeIdentifier>();
  const subproblems: Array<{ type: 'rejectedIdentifier' | 'unsupportedIdentifier'; detail: string; identifier: { type: string; value: string } }> = [];
  for (const item of raw) {
    if (item === null || typeof item !== 'object') throw new AcmeProblem('malformed', 'each identifier must be an object {type, value}');
    const { type, value } = item as { type: unknown; value: unknown };
    try {
      const id = canonicalIdentifier({ type, value });
      out.set(identifierName(id), id);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      subproblems.push({ type: e.code === 'ACME_IDENTIFIER_UNSUPPORTED' ? 'unsupportedIdentifier' : 'rejectedIdentifier', detail: e.message, identifier: { type: String(type), value: String(value).slice(0, 255) } });
    }
  }
  if (subproblems.length) throw new AcmeProblem(subproblems.length === 1 ? subproblems[0].type : 'compound', subproblems.length === 1 ? subproblems[0].detail : 'some identifiers cannot be ordered', { subproblems });
  return [...out.values()];
}

/** The lifetime an order's notAfter asks for (RFC 8555 7.4), as the TTL the decision checks. */
function ttlOf(body: Record<string, unknown>, now: Date): number | undefined {
  if (body.notBefore !== undefined) throw new AcmeProblem('malformed', '"notBefore" is not supported: certificates start when they are issued');
  if (body.notAfter === undefined) return undefined;
  const t = typeof body.notAfter === 'string' ? Date.parse(body.notAfter) : NaN;
  if (Number.isNaN(t) || t <= now.getTime()) throw new AcmeProblem('malformed', '"notAfter" must be an RFC 3339 time in the future');
  return Math.ceil((t - now.getTime()) / 1000);
}

function profileOf(req: AcmeRequest, raw: unknown): string {
  if (raw === undefined) return 'default';
  if (typeof raw !== 'string' || (raw !== 'default' && !req.ca.profiles?.[raw])) throw new AcmeProblem('malformed', `the CA has no profile ${JSON.stringify(raw)}; the directory's meta.profiles lists them`);
  profileFor(req.ca.profiles, raw);
  return raw;
}

/** POST new-order: the decision runs now on every name (refusals as subproblems), then one authorization per name. */
export const newOrder: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const account = signed.account!;
  const body = payloadObject(signed.payload, 'newOrder');
  const identifiers = identifiersOf(body.identifiers);
  const profile = profileOf(req, body.profile);
  const ttlSeconds = ttlOf(body, req.now);
  if (body.replaces !== undefined) {
    // RFC 9773 5: the certificate replaced must be one this account ordered.
    if (typeof body.replaces !== 'string') throw new AcmeProblem('malformed', '"replaces" must be a renewalInfo certificate id (base64url AKI "." base64url serial)');
    const { cert } = await certificateOfAriId(req, body.replaces);
    if (cert?.acme?.accountId !== account.id) throw new AcmeProblem('malformed', '"replaces" names a certificate this account did not order');
  }
  const decided = decideAcmeOrder(req.ca, identifiers, profile, account.grants, req.now);
  if ('refusals' in decided) {
    const subproblems = decided.refusals.map((r) => ({ type: 'rejectedIdentifier' as const, detail: r.error.message, identifier: r.identifier }));
    throw new AcmeProblem('rejectedIdentifier', subproblems.length === 1 ? subproblems[0].detail : `${subproblems.length} identifiers are refused by the CA's profile "${profile}" or name constraints`, { subproblems });
  }
  if (ttlSeconds !== undefined) {
    const withTtl = decideIssuance(req.ca, { serverSideKey: { keyType: decided.decision.keyType, subject: {} }, sans: identifiers.map(identifierName), ttlSeconds, profile }, req.now);
    if (ungranted(withTtl.questions, account.grants).length) throw new AcmeProblem('malformed', `"notAfter" is beyond the profile's max_ttl, which this account was not granted`);
  }
  const at = req.now.toISOString();
  const expires = new Date(req.now.getTime() + ORDER_LIFETIME_MS).toISOString();
  const orderId = crypto.randomUUID();
  const authzs: AcmeAuthzRecord[] = identifiers.map((id) => {
    const { identifier, wildcard } = authorizationTarget(id);
    return {
      id: crypto.randomUUID(),
      projectId: req.projectId,
      caId: req.ca.id,
      accountId: account.id,
      orderId,
      identifier,
      wildcard,
      status: 'pending',
      expires,
      challenges: challengeTypesFor(identifier, wildcard).map((type) => ({ type, token: randomBytes(32).toString('base64url') })),
      createdAt: at,
      updatedAt: at,
    };
  });
  // Authorizations first: an order never points at one that does not exist.
  await Promise.all(authzs.map((a) => acmeAuthorizations.create(a)));
  const order: AcmeOrderRecord = {
    id: orderId,
    projectId: req.projectId,
    caId: req.ca.id,
    accountId: account.id,
    status: 'pending',
    identifiers,
    authorizationIds: authzs.map((a) => a.id),
    expires,
    profile,
    ...(ttlSeconds !== undefined ? { notAfter: new Date(req.now.getTime() + ttlSeconds * 1000).toISOString() } : {}),
    ...(typeof body.replaces === 'string' ? { replaces: body.replaces } : {}),
    createdAt: at,
    updatedAt: at,
  };
  await acmeOrders.create(order);
  return { status: 201, headers: { Location: req.urls.order(orderId) }, body: orderView(order, authzs, req.urls, req.now) };
};

async function orderOfAccount(req: AcmeRequest, account: AcmeAccountRecord): Promise<{ order: AcmeOrderRecord; authzs: AcmeAuthzRecord[] }> {
  const id = req.params.order ?? '';
  const order = isUuid(id) ? await acmeOrders.get(req.projectId, id) : undefined;
  if (!order || order.caId !== req.ca.id || order.accountId !== account.id) throw new AcmeProblem('malformed', `no order ${id} of this account`, { status: 404 });
  const authzs = (await Promise.all(order.authorizationIds.map((a) => acmeAuthorizations.get(req.projectId, a)))).filter((a): a is AcmeAuthzRecord => !!a);
  return { order, authzs };
}

const retryWhileProcessing = (status: string): Record<string, string> => (status === 'processing' ? { 'Retry-After': '1' } : {});

/** POST-as-GET order/{order}. */
export const order: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const { order, authzs } = await orderOfAccount(req, signed.account!);
  const view = orderView(order, authzs, req.urls, req.now);
  return { status: 200, headers: retryWhileProcessing(view.status), body: view };
};

/** The CSR of a finalize request (base64url DER), parsed by the one CSR reader; any fault is badCSR. */
function csrOf(raw: unknown) {
  if (typeof raw !== 'string' || !B64URL.test(raw)) throw new AcmeProblem('badCSR', '"csr" must be the base64url DER of a PKCS#10 CSR');
  const pem = toPem(Buffer.from(raw, 'base64url'), 'CERTIFICATE REQUEST');
  try {
    return { pem, csr: parseCsr(pem) };
  } catch (e) {
    if (e instanceof AppError && e.status < 500) throw new AcmeProblem('badCSR', e.message);
    throw e;
  }
}

/**
 * POST order/{order}/finalize: the CSR's names must be the order's, the decision runs on it, and
 * the request becomes a pending certificate plus the worker's job (RFC 8555 7.4: the order is
 * `processing` while the worker signs; clients poll it).
 */
export const finalize: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const account = signed.account!;
  const { order, authzs } = await orderOfAccount(req, account);
  const status = orderStatus(order, authzs, req.now);
  if (status !== 'ready') throw new AcmeProblem('orderNotReady', `the order is ${status}${status === 'pending' ? ': validate its authorizations first' : ''}`);
  const body = payloadObject(signed.payload, 'finalize');
  const { pem, csr } = csrOf(body.csr);
  let decision;
  try {
    checkCsrNames(csr, order.identifiers);
    const ttlSeconds = order.notAfter ? Math.max(1, Math.ceil((Date.parse(order.notAfter) - req.now.getTime()) / 1000)) : undefined;
    decision = decideIssuance(req.ca, { csr, sans: order.identifiers.map(identifierName), ttlSeconds, profile: order.profile }, req.now);
    if (ungranted(decision.questions, account.grants).length) throw new AppError('POLICY_NOT_GRANTED', 403, 'this account was not granted what the CSR asks for');
  } catch (e) {
    if (e instanceof AppError && e.status < 500) throw new AcmeProblem('badCSR', e.message);
    throw e;
  }
  const certificateId = crypto.randomUUID();
  try {
    await acmeOrders.update(req.projectId, order.id, { status: 'processing', certificateId }, ['pending']);
  } catch (e) {
    if (e instanceof StaleRecordError) throw new AcmeProblem('orderNotReady', 'the order was finalized by another request');
    throw e;
  }
  const job = newJob('certificate.issue', req.projectId, account.createdBy, { caId: req.ca.id, certificateId });
  const cert: CertificateRecord = {
    id: certificateId,
    projectId: req.projectId,
    createdBy: account.createdBy,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    caId: req.ca.id,
    jobId: job.id,
    status: 'pending',
    csrPem: pem,
    sans: decision.sans.map(sanToString),
    ttlSeconds: decision.ttlSeconds,
    profile: decision.profile,
    subject: csr.subject,
    acme: { accountId: account.id, orderId: order.id },
    ...(decision.questions.wildcard ? { wildcardAllowed: true } : {}),
    ...(decision.questions.ttlOverMax ? { ttlBeyondMax: true } : {}),
  };
  await certificates.create(cert);
  await submitJob(job, async (reason) => {
    await certificates.update(req.projectId, certificateId, { status: 'failed', failureReason: reason });
    await acmeOrders.update(req.projectId, order.id, { status: 'invalid', error: { type: 'urn:ietf:params:acme:error:serverInternal', detail: reason } }, ['processing']);
  });
  await recordEvent({ projectId: req.projectId, action: 'certificate.issue.requested', outcome: 'success', userId: account.createdBy, requestId: req.requestId, object: { type: 'certificate', id: certificateId }, reason: `ACME order ${order.id} of account ${account.id}` });
  const updated = { ...order, status: 'processing' as const, certificateId };
  return { status: 200, headers: { Location: req.urls.order(order.id), 'Retry-After': '1' }, body: orderView(updated, authzs, req.urls, req.now) };
};
