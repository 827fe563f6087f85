import { isUuid } from '../../lib/http/params.js';
import { acmeKeys, AcmeProblem, payloadObject, verifyEab, verifyKeyChange, readSigned, type AcmeHandler } from '../../lib/acme/index.js';
import { recordEvent } from '../../lib/events/index.js';
import { openSecret } from '../../lib/notify/index.js';
import { accountView } from '../../lib/acme/views.js';
import { acmeAccounts, acmeAccountKeys, acmeOrders, eabKeys, StaleRecordError, type AcmeAccountRecord, type AcmeGrants } from '../../lib/store/index.js';

const NO_GRANTS: AcmeGrants = { wildcard: false, ttlOverMax: false };
const MAX_CONTACTS = 10;

/** mailto: contacts only (RFC 8555 7.3; as Boulder), a plain address each, no hfields. */
function checkContacts(contact: unknown): string[] | undefined {
  if (contact === undefined) return undefined;
  if (!Array.isArray(contact) || contact.length > MAX_CONTACTS || contact.some((c) => typeof c !== 'string')) throw new AcmeProblem('invalidContact', `"contact" must be an array of at most ${MAX_CONTACTS} mailto: URLs`);
  for (const c of contact as string[]) {
    if (!c.startsWith('mailto:')) throw new AcmeProblem('unsupportedContact', `contact "${c.slice(0, 80)}" is not a mailto: URL; only mailto: is supported`);
    if (!/^mailto:[^@\s?,]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(c)) throw new AcmeProblem('invalidContact', `contact "${c.slice(0, 80)}" is not a single e-mail address`);
  }
  return contact as string[];
}

/** POST new-account (RFC 8555 7.3): one account per key; EAB binds it to the project whose member minted the key. */
export const newAccount: AcmeHandler = async (req) => {
  const signed = await readSigned(req, 'jwk');
  const { key, thumbprint } = signed.jwk!;
  const body = payloadObject(signed.payload, 'newAccount');
  const existing = await acmeAccountKeys.get(req.projectId, req.ca.id, thumbprint);
  if (existing) {
    const account = await acmeAccounts.get(req.projectId, existing.accountId);
    if (account && account.caId === req.ca.id) {
      if (account.status !== 'valid') throw new AcmeProblem('unauthorized', `the account of this key is ${account.status}`);
      return { status: 200, headers: { Location: req.urls.account(account.id) }, body: accountView(account, req.urls) };
    }
  }
  if (body.onlyReturnExisting === true) throw new AcmeProblem('accountDoesNotExist', 'no account has this key in this directory');
  const contact = checkContacts(body.contact);
  const eabRequired = req.ca.acme?.eabRequired !== false;
  if (eabRequired && body.externalAccountBinding === undefined) {
    throw new AcmeProblem('externalAccountRequired', 'this directory needs an external account binding: mint an EAB key with POST /v1/cas/{id}/acme/eab-keys (a Keystone token of the project) and pass its kid and HMAC key to your client');
  }
  const id = crypto.randomUUID();
  let grants = NO_GRANTS;
  let eabKid: string | undefined;
  let createdBy = 'acme';
  if (body.externalAccountBinding !== undefined) {
    const { privateKeyPem } = await acmeKeys();
    const records = new Map<string, Awaited<ReturnType<typeof eabKeys.get>>>();
    const { kid } = await verifyEab(body.externalAccountBinding, {
      accountJwk: key,
      url: req.urls.newAccount,
      hmacKeyOf: async (k) => {
        const record = /^[A-Za-z0-9_-]{1,64}$/.test(k) ? await eabKeys.get(req.projectId, k) : undefined;
        records.set(k, record);
        if (record?.caId === req.ca.id && record.status === 'bound') throw new AcmeProblem('unauthorized', `EAB key ${k} was used already; each key binds one account`);
        return record?.sealedHmacKey && record.caId === req.ca.id ? Buffer.from(await openSecret(record.sealedHmacKey, privateKeyPem), 'base64url') : undefined;
      },
    });
    const eab = records.get(kid)!;
    if (Date.parse(eab.expiresAt) <= req.now.getTime()) throw new AcmeProblem('unauthorized', `EAB key ${kid} expired at ${eab.expiresAt}; mint a new one`);
    try {
      await eabKeys.bind(req.projectId, kid, id);
    } catch (e) {
      if (e instanceof StaleRecordError) throw new AcmeProblem('unauthorized', `EAB key ${kid} was used already; each key binds one account`);
      throw e;
    }
    grants = eab.grants;
    eabKid = kid;
    createdBy = eab.createdBy;
  }
  const at = req.now.toISOString();
  const account: AcmeAccountRecord = { id, projectId: req.projectId, caId: req.ca.id, status: 'valid', jwk: key, thumbprint, grants, createdBy, createdAt: at, updatedAt: at, ...(contact ? { contact } : {}), ...(eabKid ? { eabKid } : {}) };
  await acmeAccounts.create(account);
  if (!(await acmeAccountKeys.claim(req.projectId, req.ca.id, thumbprint, id))) {
    // Another request made an account with this key meanwhile: that one stands.
    await acmeAccounts.update(req.projectId, id, { status: 'deactivated' });
    throw new AcmeProblem('malformed', 'an account with this key was created at the same time; send newAccount again', { status: 409 });
  }
  await recordEvent({ projectId: req.projectId, action: 'acme.account.created', outcome: 'success', userId: createdBy, requestId: req.requestId, object: { type: 'acme_account', id }, reason: eabKid ? `bound with EAB key ${eabKid}` : 'directory without EAB' });
  return { status: 201, headers: { Location: req.urls.account(id) }, body: accountView(account, req.urls) };
};

/** POST acct/{acct}: POST-as-GET, contact update, or deactivation (RFC 8555 7.3.2, 7.3.6). */
export const account: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const account = signed.account!;
  if (account.id !== req.params.acct) throw new AcmeProblem('unauthorized', 'an account may only read or change itself');
  if (signed.payload === undefined) return { status: 200, body: accountView(account, req.urls) };
  const body = payloadObject(signed.payload, 'account');
  if (body.status !== undefined && body.status !== 'deactivated') throw new AcmeProblem('malformed', 'an account\'s "status" can only be set to "deactivated"');
  const contact = checkContacts(body.contact);
  const fields: Partial<AcmeAccountRecord> = { ...(contact ? { contact } : {}), ...(body.status === 'deactivated' ? { status: 'deactivated' as const } : {}) };
  const updated = Object.keys(fields).length ? await acmeAccounts.update(req.projectId, account.id, fields, ['valid']) : account;
  if (fields.status === 'deactivated') await recordEvent({ projectId: req.projectId, action: 'acme.account.deactivated', outcome: 'success', userId: account.createdBy, requestId: req.requestId, object: { type: 'acme_account', id: account.id } });
  return { status: 200, body: accountView(updated, req.urls) };
};

/** POST acct/{acct}/orders (RFC 8555 7.1.2.1): the account's orders, a page at a time. */
export const accountOrders: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  if (signed.account!.id !== req.params.acct) throw new AcmeProblem('unauthorized', 'an account may only list its own orders');
  const cursor = req.event.queryStringParameters?.cursor;
  const page = await acmeOrders.list(req.projectId, 100, cursor && isUuid(cursor) ? cursor : undefined, (o) => o.accountId === signed.account!.id);
  return {
    status: 200,
    body: { orders: page.items.map((o) => req.urls.order(o.id)) },
    ...(page.next ? { headers: { Link: `<${req.urls.accountOrders(signed.account!.id)}?cursor=${page.next}>;rel="next"` } } : {}),
  };
};

/** POST key-change (RFC 8555 7.3.5): the inner JWS, signed by the new key, names the account and its old key. */
export const keyChange: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const account = signed.account!;
  const { newJwk, thumbprint } = await verifyKeyChange(signed.payload, { outerUrl: req.urls.keyChange, accountUrl: req.urls.account(account.id), oldJwk: account.jwk });
  if (!(await acmeAccountKeys.claim(req.projectId, req.ca.id, thumbprint, account.id))) {
    const holder = await acmeAccountKeys.get(req.projectId, req.ca.id, thumbprint);
    throw new AcmeProblem('malformed', 'the new key is already the key of an account', { status: 409, ...(holder ? { headers: { Location: req.urls.account(holder.accountId) } } : {}) });
  }
  const updated = await acmeAccounts.update(req.projectId, account.id, { jwk: newJwk, thumbprint }, ['valid']);
  await acmeAccountKeys.release(req.projectId, req.ca.id, account.thumbprint, account.id);
  await recordEvent({ projectId: req.projectId, action: 'acme.account.key_changed', outcome: 'success', userId: account.createdBy, requestId: req.requestId, object: { type: 'acme_account', id: account.id } });
  return { status: 200, body: accountView(updated, req.urls) };
};
