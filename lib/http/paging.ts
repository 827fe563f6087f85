import { badRequest } from '../errors/index.js';
import { isUuid } from './params.js';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** OpenStack-style `limit` and `marker` query parameters. */
export function pageParams(query: Record<string, string | undefined>): { limit: number; marker?: string } {
  let limit = DEFAULT_PAGE;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit) || Number(query.limit) < 1) throw badRequest('QUERY_INVALID', '"limit" must be a positive integer.', { field: 'limit' });
    limit = Math.min(Number(query.limit), MAX_PAGE);
  }
  const marker = query.marker;
  if (marker !== undefined && !isUuid(marker)) throw badRequest('QUERY_INVALID', '"marker" must be the id of an item from a previous page.', { field: 'marker' });
  return { limit, marker };
}

/** A `next` link when a page was full, as Nova and Cinder return them. */
export function pageLinks(url: string, query: Record<string, string | undefined>, limit: number, next?: string) {
  if (!next) return [];
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== 'marker' && k !== 'limit') params.set(k, v);
  params.set('limit', String(limit));
  params.set('marker', next);
  return [{ rel: 'next', href: `${url}?${params.toString()}` }];
}
