export { projectRoute, publicRoute, type RouteRequest, type RouteResult } from './route.js';
export { MAX_BODY_BYTES, validateBody } from './body.js';
export { pageParams, pageLinks } from './paging.js';
export { revocationCacheHeaders, DEFAULT_REVOCATION_CACHE_SECONDS } from './revocationCache.js';
