/**
 * The ACME server of every CA (RFC 8555, functions/acme): listed briefly, as RFC 8555 defines the
 * payloads. Requests are JWS (`application/jose+json`), errors RFC 7807 problems
 * (`application/problem+json`), and every answer carries a fresh `Replay-Nonce`.
 */

export interface AcmeRouteDoc {
  id: string;
  summary: string;
  /** RFC 8555 section. */
  section: string;
  /** Success statuses → media type (undefined: no body). */
  answers: Record<number, { description: string; media?: string }>;
}

const BASE = '/v1/public/{project}/cas/{id}/acme';
const JSON_ANSWER = 'application/json';
const PEM_CHAIN = 'application/pem-certificate-chain';

export const RFC8555 = { description: 'RFC 8555: Automatic Certificate Management Environment (ACME)', url: 'https://www.rfc-editor.org/rfc/rfc8555' };

/** The codes of the service that may appear in an ACME problem's `detail` (a refused CSR or order). */
export const ACME_DETAIL_CODES = ['ACME_CSR_NAMES', 'ACME_IDENTIFIER_INVALID', 'ACME_IDENTIFIER_UNSUPPORTED', 'ACME_ORDER_NOT_AUTHORIZED', 'POLICY_NOT_GRANTED', 'ACME_NOT_CONFIGURED'];

export const ACME_ROUTES: Record<string, AcmeRouteDoc> = {
  [`GET ${BASE}/directory`]: { id: 'acmeDirectory', summary: 'The ACME directory', section: '7.1.1', answers: { 200: { description: 'The directory.', media: JSON_ANSWER } } },
  [`HEAD ${BASE}/new-nonce`]: { id: 'acmeNewNonceHead', summary: 'A fresh nonce', section: '7.2', answers: { 200: { description: 'A nonce in `Replay-Nonce`.' } } },
  [`GET ${BASE}/new-nonce`]: { id: 'acmeNewNonce', summary: 'A fresh nonce', section: '7.2', answers: { 204: { description: 'A nonce in `Replay-Nonce`.' } } },
  [`POST ${BASE}/new-account`]: {
    id: 'acmeNewAccount',
    summary: 'Create an account (External Account Binding unless the directory is open), or find one',
    section: '7.3',
    answers: { 200: { description: 'The existing account.', media: JSON_ANSWER }, 201: { description: 'The new account.', media: JSON_ANSWER } },
  },
  [`POST ${BASE}/acct/{acct}`]: { id: 'acmeAccount', summary: 'Read, update or deactivate the account', section: '7.3.2', answers: { 200: { description: 'The account.', media: JSON_ANSWER } } },
  [`POST ${BASE}/acct/{acct}/orders`]: { id: 'acmeAccountOrders', summary: 'The account’s orders', section: '7.1.2.1', answers: { 200: { description: 'The order URLs.', media: JSON_ANSWER } } },
  [`POST ${BASE}/key-change`]: { id: 'acmeKeyChange', summary: 'Roll the account key over', section: '7.3.5', answers: { 200: { description: 'The account.', media: JSON_ANSWER } } },
  [`POST ${BASE}/new-order`]: { id: 'acmeNewOrder', summary: 'Order a certificate', section: '7.4', answers: { 201: { description: 'The order.', media: JSON_ANSWER } } },
  [`POST ${BASE}/order/{order}`]: { id: 'acmeOrder', summary: 'An order', section: '7.1.3', answers: { 200: { description: 'The order.', media: JSON_ANSWER } } },
  [`POST ${BASE}/order/{order}/finalize`]: { id: 'acmeFinalize', summary: 'Finalize an order with a CSR', section: '7.4', answers: { 200: { description: 'The order (`processing` while the worker signs).', media: JSON_ANSWER } } },
  [`POST ${BASE}/authz/{authz}`]: { id: 'acmeAuthorization', summary: 'An authorization (or deactivate it)', section: '7.5', answers: { 200: { description: 'The authorization.', media: JSON_ANSWER } } },
  [`POST ${BASE}/chall/{authz}/{type}`]: { id: 'acmeChallenge', summary: 'A challenge (an empty object asks for validation)', section: '7.5.1', answers: { 200: { description: 'The challenge.', media: JSON_ANSWER } } },
  [`POST ${BASE}/cert/{cert}`]: { id: 'acmeCertificate', summary: 'Download the certificate chain', section: '7.4.2', answers: { 200: { description: 'The certificate and its chain.', media: PEM_CHAIN } } },
  [`POST ${BASE}/cert/{cert}/{variant}`]: { id: 'acmeCertificateAlternate', summary: 'Download an alternate chain', section: '7.4.2', answers: { 200: { description: 'The certificate and the alternate chain.', media: PEM_CHAIN } } },
  [`POST ${BASE}/revoke-cert`]: { id: 'acmeRevokeCert', summary: 'Revoke a certificate (by the account’s key or the certificate’s)', section: '7.6', answers: { 200: { description: 'Revoked.' } } },
  [`GET ${BASE}/renewal-info/{ari}`]: { id: 'acmeRenewalInfo', summary: 'ACME Renewal Information (RFC 9773)', section: '7.1.1', answers: { 200: { description: 'The suggested renewal window.', media: JSON_ANSWER } } },
  // serverless.yml's catch-all (`method: '*'`): an ACME problem (404), not the gateway's own answer.
  [`* ${BASE}/{proxy+}`]: { id: 'acmeUnknown', summary: 'Anything else under a directory', section: '6.7', answers: {} },
};
