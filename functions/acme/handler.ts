import { acmeRoute } from '../../lib/acme/index.js';
import { account, accountOrders, keyChange, newAccount } from './account.js';
import { authorization, challenge } from './authz.js';
import { certificate, renewalInfo, revokeCert } from './certificate.js';
import { directory, newNonce } from './directory.js';
import { finalize, newOrder, order } from './order.js';

/**
 * The ACME server of every CA (RFC 8555), one function for all its resources under
 * /v1/public/{project}/cas/{id}/acme/: one role, one warm container, one nonce cache.
 * Keys are "METHOD path-after-acme/" as serverless.yml declares them.
 */
export const handler = acmeRoute({
  'GET directory': directory,
  'HEAD new-nonce': newNonce,
  'GET new-nonce': newNonce,
  'POST new-account': newAccount,
  'POST acct/{acct}': account,
  'POST acct/{acct}/orders': accountOrders,
  'POST key-change': keyChange,
  'POST new-order': newOrder,
  'POST order/{order}': order,
  'POST order/{order}/finalize': finalize,
  'POST authz/{authz}': authorization,
  'POST chall/{authz}/{type}': challenge,
  'POST cert/{cert}': certificate,
  'POST cert/{cert}/{variant}': certificate,
  'POST revoke-cert': revokeCert,
  'GET renewal-info/{ari}': renewalInfo,
});
