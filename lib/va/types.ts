/** The public shapes of the validation authority: what the validator function sends in and gets back. */
export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

export interface ValidationSettings {
  /** host:port of the DNS server to ask (local test: pebble-challtestsrv at 127.0.0.1:8053); undefined = system resolvers. */
  resolver?: string;
  /** 80 in production. */
  http01Port: number;
  /** 443 in production. */
  tlsAlpn01Port: number;
  /** Allows 127.0.0.0/8 and ::1 as targets (the local stack only); every other non-public range stays refused. */
  allowLoopback: boolean;
  /** Per connection and per DNS query. */
  timeoutMs: number;
}

export interface ValidationRequest {
  type: ChallengeType;
  /** dns values are A-labels, lower case, no trailing dot, no "*." (a wildcard order validates its base name by dns-01). */
  identifier: { type: 'dns' | 'ip'; value: string };
  token: string;
  /** token + "." + the account key's thumbprint. */
  keyAuthorization: string;
}

/** What was looked up and connected to, as Boulder records it (one per http-01 hop). */
export interface ValidationRecord {
  url?: string;
  hostname?: string;
  port?: string;
  addressesResolved?: string[];
  addressUsed?: string;
  resolverAddrs?: string[];
}

export type ValidationErrorType = 'connection' | 'dns' | 'incorrectResponse' | 'tls' | 'unauthorized' | 'rejectedIdentifier' | 'malformed';

export interface ValidationError {
  type: ValidationErrorType;
  detail: string;
}

export type ValidationResult =
  | { status: 'valid'; records: ValidationRecord[] }
  | { status: 'invalid'; records: ValidationRecord[]; error: ValidationError; transient: boolean };

/**
 * A validation that failed because of what the remote did (or did not do). Thrown inside the VA
 * and turned into an `invalid` result at its edge, so no remote behaviour escapes as an exception.
 */
export class ValidationFailure extends Error {
  constructor(
    readonly type: ValidationErrorType,
    readonly detail: string,
    /** Worth retrying later (a timeout, SERVFAIL, a refused connection), as opposed to a wrong answer. */
    readonly transient = false,
  ) {
    super(detail);
  }
}
