export { describeRoutes, projectRoute, publicRoute, systemRoute, SYSTEM_PROJECT, type RouteDescription, type RouteDescriptions, type RouteRequest, type RouteResult } from './route.js';
export { MAX_BODY_BYTES, validateBody } from './body.js';
export { pageParams, pageLinks } from './paging.js';
export { revocationCacheHeaders, DEFAULT_REVOCATION_CACHE_SECONDS } from './revocationCache.js';
export { readJsonBody } from './body.js';
export { header, requestIdOf, baseUrlOf } from './request.js';
