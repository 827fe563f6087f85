import { publicRoute } from '../../lib/http/index.js';
import DOCUMENT from '../../lib/openapi/openapi.json' with { type: 'json' };

/**
 * GET /v1/openapi.json — the API's OpenAPI 3.1 document (no token), as `npm run openapi` generated
 * it from the handlers' zod schemas (lib/openapi); the server it names is the one answering.
 */
export const handler = publicRoute(async ({ baseUrl }) => ({
  status: 200,
  headers: { 'Cache-Control': 'public, max-age=300' },
  body: { ...DOCUMENT, servers: [{ url: baseUrl, description: 'This service.' }] },
}));
