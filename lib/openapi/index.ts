/**
 * The API's OpenAPI 3.1 document, made from the zod schemas the handlers use (bodies, parameters)
 * and the answer schemas the views take their types from. `npm run openapi` writes it to
 * lib/openapi/openapi.json, which GET /v1/openapi.json serves (a unit test fails when it is stale).
 */
export { buildDocument, openApiPath, routeErrors, type ServedRoute } from './document.js';
export { serverlessRoutes, servedRoutes, ROOT, type HttpRoute } from './served.js';
export { ROUTES, JOB_REASON_CODES, type RouteDoc, type Answer } from './routes.js';
export { ACME_ROUTES, ACME_DETAIL_CODES } from './acme.js';
export * as answers from './answers.js';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDocument } from './document.js';
import { ROOT, servedRoutes } from './served.js';

/** The document of the routes serverless.yml serves now. */
export async function currentDocument(): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return buildDocument(await servedRoutes(), pkg.version);
}

/** As committed: two-space JSON and a final newline. */
export const documentText = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
export const DOCUMENT_FILE = join(ROOT, 'lib', 'openapi', 'openapi.json');
