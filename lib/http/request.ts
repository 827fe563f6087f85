import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What every route reads of a request, without authenticating it (the ACME front end has no Keystone). */
export const header = (event: APIGatewayProxyEventV2, name: string) => {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
};

/** What serverless-offline (13) puts in requestContext.requestId of every HTTP API request. */
const OFFLINE_REQUEST_ID = 'offlineContext_resourceId';

/** API Gateway's id of the request; where there is none worth the name (locally), a fresh one. */
export function requestIdOf(event: APIGatewayProxyEventV2): string {
  const given = event.requestContext?.requestId;
  return `req-${given && given !== OFFLINE_REQUEST_ID ? given : crypto.randomUUID()}`;
}

export function baseUrlOf(event: APIGatewayProxyEventV2): string {
  if (process.env.PUBLIC_URL) return process.env.PUBLIC_URL.replace(/\/+$/, '');
  const proto = header(event, 'x-forwarded-proto') ?? 'http';
  return `${proto}://${header(event, 'host') ?? event.requestContext?.domainName ?? 'localhost'}`;
}

