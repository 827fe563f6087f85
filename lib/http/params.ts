import { AppError, badRequest, notFound } from '../errors/index.js';

/** Every id this service makes is a UUID (crypto.randomUUID, or time-ordered for events). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** As the profile schema has it (lib/profiles/schema.ts, lib/requests/index.ts). */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** A Keystone project id (32 hex digits by default; other id generators stay within this). */
export const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface IdKind {
  pattern: RegExp;
  /** Said in answers: `"ca_id" must be ${noun}`. */
  noun: string;
  /** A path value that cannot name one: 404 with this code and message (the object is simply not there). */
  notFound?: { code: string; message: string };
  /** A path value that names something to be created: 400 instead, saying what it may be. */
  rule?: string;
}

/**
 * What a path or query parameter names. A value that does not fit is answered here, before any
 * handler runs, so that no such value reaches the store (a too-long key is a DynamoDB error).
 */
const KINDS = {
  ca: { pattern: UUID, noun: 'a CA id', notFound: { code: 'CA_NOT_FOUND', message: 'No CA has that id in your project; CA ids are UUIDs.' } },
  certificate: { pattern: UUID, noun: 'a certificate id', notFound: { code: 'CERTIFICATE_NOT_FOUND', message: 'No certificate has that id in your project; certificate ids are UUIDs.' } },
  job: { pattern: UUID, noun: 'a job id', notFound: { code: 'JOB_NOT_FOUND', message: 'No job has that id in your project; job ids are UUIDs.' } },
  container: { pattern: UUID, noun: 'a container id', notFound: { code: 'CONTAINER_NOT_FOUND', message: 'No registered container has that id in your project; container ids are UUIDs.' } },
  profile: { pattern: PROFILE_NAME, noun: 'a profile name', notFound: { code: 'PROFILE_NOT_FOUND', message: 'The CA has no profile of that name; profile names are 1 to 63 of a-z, 0-9, "-" and "_".' } },
  newProfile: { pattern: PROFILE_NAME, noun: 'a profile name', rule: 'a profile name is 1 to 63 of a-z, 0-9, "-" and "_", starting with a letter or digit' },
  object: { pattern: UUID, noun: 'an object id' },
  acmeAccount: { pattern: UUID, noun: 'an ACME account id', notFound: { code: 'ACME_ACCOUNT_NOT_FOUND', message: 'No ACME account has that id in your project; account ids are UUIDs.' } },
  acmeOrder: { pattern: UUID, noun: 'an ACME order id', notFound: { code: 'ACME_ORDER_NOT_FOUND', message: 'No ACME order has that id in your project; order ids are UUIDs.' } },
  project: { pattern: PROJECT_ID, noun: 'a project id' },
  loginCa: { pattern: UUID, noun: 'a login CA id', notFound: { code: 'LOGIN_CA_NOT_FOUND', message: 'No login CA has that id; login CA ids are UUIDs.' } },
  enrollment: { pattern: UUID, noun: 'an enrollment id', notFound: { code: 'ENROLLMENT_NOT_FOUND', message: 'No enrollment has that id; enrollment ids are UUIDs.' } },
  /**
   * A CA key generation's own CRL, `g<n>` (generation n ≥ 1; the first is at the unsuffixed URL), or
   * one of its partitions, `[g<n>.]p<yyyymmdd>` (lib/ca/crlPartitions.ts).
   */
  crlGeneration: {
    pattern: /^(?:g[1-9][0-9]{0,5}|(?:g[1-9][0-9]{0,5}\.)?p[0-9]{8})$/,
    noun: 'a CRL name',
    notFound: { code: 'CRL_NOT_FOUND', message: 'No CRL has that name; a key generation\'s CRL is g<n>, n from 1, and a partition\'s [g<n>.]p<yyyymmdd>, as certificates name them.' } },
  keystoneUser: { pattern: PROJECT_ID, noun: 'a Keystone user id', notFound: { code: 'USER_NOT_FOUND', message: 'That is no Keystone user id.' } },
} satisfies Record<string, IdKind>;

export type ParamKind = keyof typeof KINDS;
/** Kinds a project route may declare for its path: each has its own answer. */
export type PathParamKind = { [K in ParamKind]: (typeof KINDS)[K] extends { notFound: object } | { rule: string } ? K : never }[ParamKind];

const fits = (kind: ParamKind, value: string | undefined): value is string => value !== undefined && KINDS[kind].pattern.test(value);

/** The first declared path parameter that cannot name anything, if any. */
export function unfitPathParam<K extends ParamKind>(spec: Record<string, K> | undefined, params: Record<string, string | undefined> | undefined): [string, K] | undefined {
  for (const [name, kind] of Object.entries(spec ?? {})) if (!fits(kind, params?.[name])) return [name, kind];
  return undefined;
}

/** The answer to a path parameter that cannot name anything: the object's 404, or a 400 for a name to be made. */
export function pathParamError(name: string, kind: PathParamKind): AppError {
  const k: IdKind = KINDS[kind];
  if (k.notFound) return notFound(k.notFound.code, k.notFound.message);
  return badRequest('PATH_INVALID', `Path parameter "${name}": ${k.rule}.`, { field: name });
}

/** 400 QUERY_INVALID for a declared query parameter that is present and does not fit. */
export function checkQuery(spec: Record<string, ParamKind> | undefined, query: Record<string, string | undefined>): void {
  for (const [name, kind] of Object.entries(spec ?? {})) {
    if (query[name] !== undefined && !fits(kind, query[name])) throw badRequest('QUERY_INVALID', `"${name}" must be ${KINDS[kind].noun}.`, { field: name });
  }
}

/** What the API document says of a parameter kind: its pattern, and the 404 code (or 400 PATH_INVALID) of a value that cannot be one. */
export function paramKindInfo(kind: ParamKind): { pattern: string; noun: string; notFoundCode?: string; invalidCode?: string } {
  const k: IdKind = KINDS[kind];
  // JSON Schema patterns have no flags: the case-insensitive UUID spells out both cases.
  const pattern = k.pattern.flags.includes('i') ? k.pattern.source.replaceAll('a-f', 'a-fA-F') : k.pattern.source;
  return { pattern, noun: k.noun, ...(k.notFound ? { notFoundCode: k.notFound.code } : {}), ...(k.rule ? { invalidCode: 'PATH_INVALID' } : {}) };
}

export const isUuid = (value: string) => UUID.test(value);
