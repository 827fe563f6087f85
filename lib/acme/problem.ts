/**
 * ACME problem documents (RFC 8555 6.7, RFC 7807). ACME routes answer these instead of the
 * product's AppError JSON shape, because every ACME client branches on the `urn:ietf:params:acme:error:*` type.
 */

export type AcmeErrorType =
  | 'accountDoesNotExist'
  | 'alreadyRevoked'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'caa'
  | 'compound'
  | 'connection'
  | 'dns'
  | 'externalAccountRequired'
  | 'incorrectResponse'
  | 'invalidContact'
  | 'malformed'
  | 'orderNotReady'
  | 'rateLimited'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedContact'
  | 'unsupportedIdentifier'
  | 'userActionRequired'
  | 'conflict';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ACME_ERROR_NS = 'urn:ietf:params:acme:error:';

/**
 * Default HTTP statuses, as boulder's probs package answers them (RFC 8555 fixes only a few). Boulder
 * has no compound, incorrectResponse, externalAccountRequired or userActionRequired: validation failures
 * are 403 like its caa, userActionRequired 403 as in RFC 8555 7.3.3's example, externalAccountRequired
 * 400 like the other request faults. `conflict` is 409: RFC 8555 7.3.5 requires 409 for a key change to a
 * key already in use, without naming a type.
 */
export const DEFAULT_STATUS: Readonly<Record<AcmeErrorType, number>> = {
  accountDoesNotExist: 400,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  caa: 403,
  compound: 403,
  connection: 400,
  dns: 400,
  externalAccountRequired: 400,
  incorrectResponse: 403,
  invalidContact: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
  userActionRequired: 403,
  conflict: 409,
};

export interface AcmeSubproblem {
  type: AcmeErrorType;
  detail: string;
  identifier?: { type: string; value: string };
}

export class AcmeProblem extends Error {
  readonly type: AcmeErrorType;
  readonly status: number;
  readonly detail: string;
  readonly subproblems?: AcmeSubproblem[];
  /** Extra response headers the route must send with the document (Retry-After, Location of the conflicting account, Link). */
  readonly headers?: Record<string, string>;

  constructor(type: AcmeErrorType, detail: string, opts: { status?: number; subproblems?: AcmeSubproblem[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'AcmeProblem';
    this.type = type;
    this.status = opts.status ?? DEFAULT_STATUS[type];
    this.detail = detail;
    if (opts.subproblems !== undefined) this.subproblems = opts.subproblems;
    if (opts.headers !== undefined) this.headers = opts.headers;
  }
}

export const isAcmeProblem = (e: unknown): e is AcmeProblem => e instanceof AcmeProblem;

export interface ProblemDocument {
  type: string;
  detail: string;
  status: number;
  subproblems?: Array<{ type: string; detail: string; identifier?: { type: string; value: string } }>;
}

/**
 * The URN of a type. `conflict` is not registered by RFC 8555: boulder now sends its own
 * `...:error:conflict`, pebble sends `malformed` with 409. We send the registered `malformed` (with the
 * 409 status kept), so a strict client that only knows RFC types still reads it.
 */
export const acmeErrorUrn = (type: AcmeErrorType): string => ACME_ERROR_NS + (type === 'conflict' ? 'malformed' : type);

export function problemDocument(p: AcmeProblem): ProblemDocument {
  const doc: ProblemDocument = { type: acmeErrorUrn(p.type), detail: p.detail, status: p.status };
  if (p.subproblems && p.subproblems.length > 0) {
    doc.subproblems = p.subproblems.map((s) => ({
      type: acmeErrorUrn(s.type),
      detail: s.detail,
      ...(s.identifier ? { identifier: { type: s.identifier.type, value: s.identifier.value } } : {}),
    }));
  }
  return doc;
}
