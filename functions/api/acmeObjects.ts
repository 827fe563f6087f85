import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { acmeUrls } from '../../lib/acme/urls.js';
import { accountApiView, orderApiView } from '../../lib/acme/apiViews.js';
import { notFound } from '../../lib/errors/index.js';
import { describeRoutes, pageLinks, pageParams, projectRoute } from '../../lib/http/index.js';
import { enforce } from '../../lib/policy/index.js';
import { acmeAccounts, acmeAuthorizations, acmeOrders, cas, type AcmeAuthzRecord } from '../../lib/store/index.js';

/** ACME's objects are project objects: listed and read over the normal API, 404 to other projects. */

const authorizationsOf = async (projectId: string, ids: string[]) => (await Promise.all(ids.map((id) => acmeAuthorizations.get(projectId, id)))).filter((a): a is AcmeAuthzRecord => !!a);

const AcmeSettingsBody = z
  .object({
    /** false: anyone who reaches the directory may make an account (no EAB); an admin's choice. */
    external_account_required: z.boolean(),
  })
  .strict();

/** PUT /v1/cas/{id}/acme — the directory's settings. */
const putSettings = projectRoute({ params: { id: 'ca' }, body: AcmeSettingsBody }, async ({ params, body, credentials, baseUrl }) => {
  enforce('ca:acme:update', credentials, { project_id: credentials.projectId });
  const ca = await cas.get(credentials.projectId, params.id);
  if (!ca) throw notFound('CA_NOT_FOUND', `No CA ${params.id} in your project.`);
  await cas.update(credentials.projectId, ca.id, { acme: { eabRequired: body.external_account_required } });
  return {
    status: 200,
    audit: { action: 'acme.settings.updated', object: { type: 'ca', id: ca.id } },
    body: { acme: { external_account_required: body.external_account_required, directory_url: acmeUrls(baseUrl, credentials.projectId, ca.id).directory } },
  };
});

/** GET /v1/acme/accounts[?ca_id=] */
const listAccounts = projectRoute({ query: { ca_id: 'ca' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:acme:accounts:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const page = await acmeAccounts.list(credentials.projectId, limit, marker, (a) => !query.ca_id || a.caId === query.ca_id);
  return { status: 200, body: { accounts: page.items.map(accountApiView), accounts_links: pageLinks(`${baseUrl}/v1/acme/accounts`, query, limit, page.next) } };
});

/** GET /v1/acme/accounts/{id} */
const getAccount = projectRoute({ params: { id: 'acmeAccount' } }, async ({ params, credentials }) => {
  enforce('ca:acme:accounts:get', credentials, { project_id: credentials.projectId });
  const account = await acmeAccounts.get(credentials.projectId, params.id);
  if (!account) throw notFound('ACME_ACCOUNT_NOT_FOUND', `No ACME account ${params.id} in your project.`);
  return { status: 200, body: { account: accountApiView(account) } };
});

/** GET /v1/acme/orders[?ca_id=&account_id=] */
const listOrders = projectRoute({ query: { ca_id: 'ca', account_id: 'acmeAccount' } }, async ({ query, credentials, baseUrl }) => {
  enforce('ca:acme:orders:list', credentials, { project_id: credentials.projectId });
  const { limit, marker } = pageParams(query);
  const page = await acmeOrders.list(credentials.projectId, limit, marker, (o) => (!query.ca_id || o.caId === query.ca_id) && (!query.account_id || o.accountId === query.account_id));
  const now = new Date();
  // An order's status is derived from its authorizations (pending → ready), so they are read too.
  const views = await Promise.all(page.items.map(async (o) => orderApiView(o, await authorizationsOf(credentials.projectId, o.authorizationIds), now)));
  return { status: 200, body: { orders: views.map(({ authorizations: _a, ...v }) => v), orders_links: pageLinks(`${baseUrl}/v1/acme/orders`, query, limit, page.next) } };
});

/** GET /v1/acme/orders/{id}, with its authorizations. */
const getOrder = projectRoute({ params: { id: 'acmeOrder' } }, async ({ params, credentials }) => {
  enforce('ca:acme:orders:get', credentials, { project_id: credentials.projectId });
  const order = await acmeOrders.get(credentials.projectId, params.id);
  if (!order) throw notFound('ACME_ORDER_NOT_FOUND', `No ACME order ${params.id} in your project.`);
  return { status: 200, body: { order: orderApiView(order, await authorizationsOf(credentials.projectId, order.authorizationIds), new Date()) } };
});

const ROUTES: Record<string, typeof getOrder> = {
  'PUT /v1/cas/{id}/acme': putSettings,
  'GET /v1/acme/accounts': listAccounts,
  'GET /v1/acme/accounts/{id}': getAccount,
  'GET /v1/acme/orders': listOrders,
  'GET /v1/acme/orders/{id}': getOrder,
};

// Only the routes serverless.yml gives this function reach it; any other is a deployment mistake, not a request to answer.
export const handler = describeRoutes((event: APIGatewayProxyEventV2, context: Context) => {
  const route = ROUTES[event.routeKey];
  if (!route) throw new Error(`acmeObjects serves no route ${event.routeKey}`);
  return route(event, context);
}, ROUTES);
