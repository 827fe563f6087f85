import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { notFound } from '../../lib/errors/index.js';
import { describeRoutes, publicRoute, revocationCacheHeaders, type RouteResult } from '../../lib/http/index.js';
import { crlRecordId, crls } from '../../lib/store/index.js';
import { toPem } from '../../lib/x509/index.js';

/**
 * GET /v1/public/{project}/cas/{id}/crl and .../crl/g<n> — a CRL as the worker signed it; DER
 * (application/pkix-crl), or PEM with `?format=pem`. Public: relying parties have no token. Each key
 * generation of a CA signs its own: the unsuffixed URL is the one certificates issued before any
 * rotation name (the key in use then), `g<n>` generation n's, which the certificates it signs name.
 */
const noCrl = (id?: string) => notFound('CRL_NOT_FOUND', `No CRL has been published for ${id ? `CA ${id}` : 'that CA'}.`);

const notPublished = () => {
  throw noCrl();
};

const serve = async ({ event }: { event: APIGatewayProxyEventV2 }): Promise<RouteResult> => {
  const { project, id, generation } = event.pathParameters as { project: string; id: string; generation?: string };
  const crl = await crls.get(project, crlRecordId(id, generation));
  if (!crl) throw noCrl(id);
  // A large CRL is in chunks (the store puts them together); a small one in its record.
  const der = await crls.der(crl);
  const headers = revocationCacheHeaders(crl.thisUpdate, crl.nextUpdate);
  if (event.queryStringParameters?.format === 'pem') return { status: 200, headers, binary: { data: Buffer.from(toPem(der, 'X509 CRL')), contentType: 'application/x-pem-file' } };
  return { status: 200, headers, binary: { data: der, contentType: 'application/pkix-crl' } };
};

const ROUTES = {
  'GET /v1/public/{project}/cas/{id}/crl': publicRoute({ params: { project: 'project', id: 'ca' }, notFound: notPublished }, serve),
  'GET /v1/public/{project}/cas/{id}/crl/{generation}': publicRoute({ params: { project: 'project', id: 'ca', generation: 'crlGeneration' }, notFound: notPublished }, serve),
};

export const handler = describeRoutes((event: APIGatewayProxyEventV2, context: Context) => {
  const route = ROUTES[event.routeKey as keyof typeof ROUTES];
  if (!route) throw new Error(`publicCrl serves no route ${event.routeKey}`);
  return route(event, context);
}, ROUTES);
