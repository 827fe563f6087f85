import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, forbidden } from '../errors/index.js';
import { log, errorFields } from '../log/index.js';
import { authConfigFromEnv, keystoneAuthenticator, type Credentials } from '../auth/index.js';
import { recordEvent } from '../events/index.js';
import { dynamoTokenValidations } from '../store/tokenValidations.js';
import { readJsonBody } from './body.js';
import { checkQuery, pathParamError, unfitPathParam, type ParamKind, type PathParamKind } from './params.js';
import { binary, errorResult, json, type HttpResult } from './response.js';
import { baseUrlOf, header, requestIdOf } from './request.js';


export interface RouteRequest<B> {
  event: APIGatewayProxyEventV2;
  requestId: string;
  /** Scheme and host the caller used, for links and Location headers. */
  baseUrl: string;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  credentials: Credentials & { projectId: string };
  body: B;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Instead of a JSON body: raw bytes with their content type. */
  binary?: { data: Buffer; contentType: string };
  /** An audit event for what this request did (changes only; reads are not audited). */
  audit?: { action: string; object: { type: string; id: string } };
}

export interface RouteOptions<S extends z.ZodType | undefined = z.ZodType | undefined> {
  /** Body schema: when set, the route takes a JSON body validated by it. */
  body?: S;
  /**
   * The schema the handler itself validates the body with, when `body` is only a first pass (a
   * record the handler completes, e.g. with the name from the path): what the API document shows.
   */
  documentedBody?: z.ZodType;
  /**
   * What each path parameter names, e.g. `{ id: 'ca' }`: a value that cannot be one is answered
   * (404 with the object's code) before the body is read or the handler runs.
   */
  params?: Record<string, PathParamKind>;
  /** Query parameters that are ids, e.g. `{ ca_id: 'ca' }`: present and malformed is a 400 QUERY_INVALID. */
  query?: Record<string, ParamKind>;
}

export interface PublicRouteOptions {
  /** As for project routes, e.g. `{ project: 'project', id: 'ca' }`. */
  params: Record<string, ParamKind>;
  /** The route's own answer when a path parameter cannot name anything (or throw the AppError). */
  notFound: () => RouteResult;
  /** A JSON body, validated by this schema before the handler runs (`body` of the request). */
  body?: z.ZodType;
}

/**
 * What a route handler declares, readable off the handler (`handler.route`) so that the API
 * document (lib/openapi) is made from the same schemas the handler enforces.
 */
export interface RouteDescription {
  /** `project`: Keystone token, project scope, policy; `public`: no token. */
  kind: 'project' | 'public';
  body?: z.ZodType;
  params?: Record<string, ParamKind>;
  query?: Record<string, ParamKind>;
}

/** A function serving several routes (dispatching on the route key) declares each one's description. */
export type RouteDescriptions = Record<string, RouteDescription>;

function describeRoute<F extends object>(handler: F, route: RouteDescription): F & { readonly route: RouteDescription } {
  Object.defineProperty(handler, 'route', { value: route, enumerable: false });
  return handler as F & { readonly route: RouteDescription };
}

/** Marks a dispatching handler with the descriptions of the routes it serves, by route key ("GET /v1/x"). */
export function describeRoutes<F extends object>(handler: F, routes: Record<string, { route: RouteDescription }>): F & { readonly routes: RouteDescriptions } {
  const descriptions = Object.fromEntries(Object.entries(routes).map(([key, h]) => [key, h.route]));
  Object.defineProperty(handler, 'routes', { value: descriptions, enumerable: false });
  return handler as F & { readonly routes: RouteDescriptions };
}

let authenticate: ReturnType<typeof keystoneAuthenticator> | undefined;

/** One per process; validations are shared with the other API functions through the table unless TOKEN_SHARED_CACHE=0. */
function apiAuthenticator(): ReturnType<typeof keystoneAuthenticator> {
  const config = authConfigFromEnv();
  return keystoneAuthenticator(config, { shared: config.sharedCache && dynamoTokenValidations(config.sharedCache.timeoutMs) });
}


/**
 * An authenticated, project-scoped JSON route: Keystone token check, body parsing and validation,
 * and errors mapped to one JSON shape. The handler only sees valid, authenticated requests.
 */
export function projectRoute<S extends z.ZodType | undefined = undefined>(
  opts: RouteOptions<S>,
  fn: (req: RouteRequest<S extends z.ZodType ? z.infer<S> : undefined>) => Promise<RouteResult>,
) {
  return describeRoute(projectHandler(opts, fn), { kind: 'project', body: opts.documentedBody ?? opts.body, params: opts.params, query: opts.query });
}

/** The project that holds the cloud operator's own objects (login CAs, enrollments); no Keystone project id has this form's meaning. */
export const SYSTEM_PROJECT = 'system';

/**
 * An authenticated route of the cloud operator's objects (login CAs): any token scope (system,
 * project), policy decides who; objects and audit events live in SYSTEM_PROJECT.
 */
export function systemRoute<S extends z.ZodType | undefined = undefined>(
  opts: RouteOptions<S>,
  fn: (req: Omit<RouteRequest<S extends z.ZodType ? z.infer<S> : undefined>, 'credentials'> & { credentials: Credentials }) => Promise<RouteResult>,
) {
  return describeRoute(projectHandler(opts, fn as never, SYSTEM_PROJECT), { kind: 'project', body: opts.documentedBody ?? opts.body, params: opts.params, query: opts.query });
}

function projectHandler<S extends z.ZodType | undefined>(
  opts: RouteOptions<S>,
  fn: (req: RouteRequest<S extends z.ZodType ? z.infer<S> : undefined>) => Promise<RouteResult>,
  /** Set: any scope is accepted and audit events go to this project. */
  systemProject?: string,
) {
  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>().handler(async (event) => {
    const requestId = requestIdOf(event);
    let credentials: Credentials | undefined;
    try {
      authenticate ??= apiAuthenticator();
      credentials = await authenticate(header(event, 'x-auth-token'));
      if (!credentials.projectId && !systemProject) {
        throw forbidden('PROJECT_SCOPE_REQUIRED', 'This call needs a project-scoped token; ask Keystone for a token scoped to your project.');
      }
      const unfit = unfitPathParam(opts.params, event.pathParameters);
      if (unfit) throw pathParamError(...unfit);
      checkQuery(opts.query, event.queryStringParameters ?? {});
      const body = opts.body ? readJsonBody(event, header(event, 'content-type'), opts.body) : undefined;
      const result = await fn({
        event,
        requestId,
        baseUrl: baseUrlOf(event),
        params: (event.pathParameters ?? {}) as Record<string, string>,
        query: event.queryStringParameters ?? {},
        credentials: credentials as Credentials & { projectId: string },
        body: body as S extends z.ZodType ? z.infer<S> : undefined,
      });
      if (result.audit) {
        await recordEvent({ projectId: systemProject ?? credentials.projectId!, action: result.audit.action, outcome: 'success', userId: credentials.userId, requestId, object: result.audit.object });
      }
      log.info('request', { requestId, route: event.routeKey, status: result.status, user: credentials.userId, project: credentials.projectId ?? (credentials.system ? 'system scope' : undefined), token: credentials.tokenId });
      return json(result.status, result.body, { 'x-openstack-request-id': requestId, ...result.headers });
    } catch (e) {
      const auditProject = systemProject ?? credentials?.projectId;
      if (e instanceof AppError && e.code.startsWith('POLICY_DENIED:') && credentials && auditProject) {
        await recordEvent({
          projectId: auditProject,
          action: 'policy.denied',
          outcome: 'denied',
          userId: credentials.userId,
          requestId,
          reason: `${e.code.slice('POLICY_DENIED:'.length)} on ${event.routeKey}`,
          ...(event.pathParameters?.id ? { object: { type: 'path', id: event.pathParameters.id } } : {}),
        });
      }
      return toErrorResult(e, requestId, event);
    }
  });
}

type PublicHandler = (req: { event: APIGatewayProxyEventV2; baseUrl: string; requestId: string; body?: unknown }) => Promise<RouteResult>;

/** A public route (no token), e.g. the version document; with `params`, its path is checked first. */
export function publicRoute(fn: PublicHandler): ReturnType<typeof publicHandler>;
export function publicRoute(opts: PublicRouteOptions, fn: PublicHandler): ReturnType<typeof publicHandler>;
export function publicRoute(a: PublicRouteOptions | PublicHandler, b?: PublicHandler) {
  return typeof a === 'function' ? publicHandler(undefined, a) : publicHandler(a, b!);
}

function publicHandler(opts: PublicRouteOptions | undefined, fn: PublicHandler) {
  return describeRoute(publicMiddy(opts, fn), { kind: 'public', params: opts?.params, body: opts?.body });
}

function publicMiddy(opts: PublicRouteOptions | undefined, fn: PublicHandler) {
  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>().handler(async (event) => {
    const requestId = requestIdOf(event);
    try {
      const result =
        opts && unfitPathParam(opts.params, event.pathParameters)
          ? opts.notFound()
          : await fn({ event, baseUrl: baseUrlOf(event), requestId, body: opts?.body ? readJsonBody(event, header(event, 'content-type'), opts.body) : undefined });
      const headers = { 'x-openstack-request-id': requestId, ...result.headers };
      return result.binary ? binary(result.status, result.binary.data, result.binary.contentType, headers) : json(result.status, result.body, headers);
    } catch (e) {
      return toErrorResult(e, requestId, event);
    }
  });
}

function toErrorResult(e: unknown, requestId: string, event: APIGatewayProxyEventV2): HttpResult {
  if (e instanceof AppError) {
    if (e.status >= 500) log.warn('request failed', { requestId, route: event.routeKey, code: e.code, ...errorFields(e.cause ?? e) });
    else log.info('request refused', { requestId, route: event.routeKey, code: e.code, status: e.status });
    return errorResult(e, requestId);
  }
  log.error('unhandled error', { requestId, route: event.routeKey, ...errorFields(e) });
  return errorResult(new AppError('INTERNAL_ERROR', 500, 'Something went wrong on our side; the request id helps the operators find it.'), requestId);
}
