import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { AppError } from '../errors/index.js';

export type HttpResult = Exclude<APIGatewayProxyResultV2, string>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

/** Bytes (a CRL, an OCSP response): base64 on the wire to API Gateway, binary to the client. */
export function binary(status: number, data: Buffer, contentType: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: status, headers: { 'Content-Type': contentType, ...headers }, body: data.toString('base64'), isBase64Encoded: true };
}

/** The one shape of every error the API returns: a stable code, a message saying what to fix. */
export function errorResult(e: AppError, requestId: string): HttpResult {
  const headers: Record<string, string> = { 'x-openstack-request-id': requestId };
  if (e.retryAfter !== undefined) headers['Retry-After'] = String(e.retryAfter);
  return json(
    e.status,
    { error: { code: e.code, status: e.status, message: e.message, ...(e.details ? { details: e.details } : {}), request_id: requestId } },
    headers,
  );
}
