import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { RouteDescription, RouteDescriptions } from '../http/route.js';
import type { ServedRoute } from './document.js';

/** The repository root (this file is lib/openapi/served.ts). */
export const ROOT = join(import.meta.dirname, '..', '..');

export interface HttpRoute {
  method: string;
  path: string;
  function: string;
  /** `functions/api/webhook.put`: the module and its export. */
  handler: string;
}

/** Every httpApi route of serverless.yml, with the function that serves it. */
export function serverlessRoutes(file = join(ROOT, 'serverless.yml')): HttpRoute[] {
  const doc = parse(readFileSync(file, 'utf8')) as { functions: Record<string, { handler: string; events?: Array<{ httpApi?: { method: string; path: string } }> }> };
  return Object.entries(doc.functions).flatMap(([name, fn]) =>
    (fn.events ?? []).flatMap((e) => (e.httpApi ? [{ method: String(e.httpApi.method).toUpperCase(), path: String(e.httpApi.path), function: name, handler: fn.handler }] : [])),
  );
}

/**
 * The routes with what each handler declares: imports every function module serverless.yml names
 * and reads `handler.route` (projectRoute, publicRoute) or `handler.routes[routeKey]` (a handler
 * that dispatches). A route whose handler declares nothing is the ACME front end's.
 */
export async function servedRoutes(routes = serverlessRoutes()): Promise<ServedRoute[]> {
  const out: ServedRoute[] = [];
  for (const r of routes) {
    const dot = r.handler.lastIndexOf('.');
    const mod = (await import(pathToFileURL(join(ROOT, `${r.handler.slice(0, dot)}.ts`)).href)) as Record<string, unknown>;
    const handler = mod[r.handler.slice(dot + 1)] as { route?: RouteDescription; routes?: RouteDescriptions } | undefined;
    if (!handler) throw new Error(`serverless.yml names ${r.handler}, which does not exist`);
    const route = handler.routes ? handler.routes[`${r.method} ${r.path}`] : handler.route;
    if (handler.routes && !route) throw new Error(`${r.handler} serves ${r.method} ${r.path} but does not describe it (describeRoutes)`);
    out.push({ method: r.method, path: r.path, function: r.function, ...(route ? { route } : {}) });
  }
  return out;
}
