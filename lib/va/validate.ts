/** The VA's entry point: check the request's shape, run the challenge, and turn every failure into a result. */
import { isIP } from 'node:net';
import { refusedAddress } from './addresses.js';
import { validateDns01 } from './dns01.js';
import { validateHttp01 } from './http01.js';
import { makeResolver } from './resolve.js';
import { validateTlsAlpn01 } from './tlsalpn01.js';
import { ValidationFailure, type ValidationRecord, type ValidationRequest, type ValidationResult, type ValidationSettings } from './types.js';

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** RFC 8555 8.1: tokens and thumbprints are base64url; anything else could smuggle a path into the URL. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why the request cannot be validated as it stands (undefined: it can). */
export function requestProblem(req: ValidationRequest): string | undefined {
  const { type, identifier, token, keyAuthorization } = req;
  if (type !== 'http-01' && type !== 'dns-01' && type !== 'tls-alpn-01') return `unknown challenge type ${JSON.stringify(type)}`;
  if (identifier.type === 'dns') {
    if (!DNS_NAME.test(identifier.value) || isIP(identifier.value)) {
      return `the DNS identifier ${JSON.stringify(identifier.value)} is not a lower-case A-label name without trailing dot or wildcard`;
    }
  } else if (identifier.type === 'ip') {
    if (!isIP(identifier.value) || identifier.value.includes('%')) return `the IP identifier ${JSON.stringify(identifier.value)} is not an IP address`;
    // RFC 8738 7: no dns-01 for IP addresses (there is no name to put a TXT record under).
    if (type === 'dns-01') return 'dns-01 cannot validate an IP identifier; use http-01 or tls-alpn-01';
  } else return `unknown identifier type ${JSON.stringify((identifier as { type: unknown }).type)}`;
  if (!BASE64URL.test(token) || token.length > 256) return 'the token is not base64url';
  const dot = keyAuthorization.indexOf('.');
  if (keyAuthorization.slice(0, dot) !== token || !BASE64URL.test(keyAuthorization.slice(dot + 1))) {
    return 'the key authorization is not the token, ".", and a base64url thumbprint';
  }
  return undefined;
}

const invalid = (records: ValidationRecord[], f: ValidationFailure): ValidationResult => ({
  status: 'invalid',
  records,
  error: { type: f.type, detail: f.detail },
  transient: f.transient,
});

/**
 * Runs one challenge against the identifier's host. Never throws for what a remote does: every
 * failure is an `invalid` result, `transient` when retrying later could succeed (timeouts,
 * SERVFAIL, refused connections).
 */
export async function validateChallenge(req: ValidationRequest, settings: ValidationSettings): Promise<ValidationResult> {
  const records: ValidationRecord[] = [];
  const problem = requestProblem(req);
  if (problem) return invalid(records, new ValidationFailure('malformed', problem));
  const { identifier } = req;
  if (identifier.type === 'ip') {
    const why = refusedAddress(identifier.value, settings.allowLoopback);
    // The identifier itself names a forbidden target: no connection is attempted.
    if (why) return invalid(records, new ValidationFailure('rejectedIdentifier', `The validation authority does not connect to ${identifier.value}: ${why} address`));
  }
  try {
    const dns = makeResolver(settings);
    if (req.type === 'dns-01') await validateDns01(identifier.value, req.keyAuthorization, dns, records);
    else if (req.type === 'http-01') await validateHttp01(identifier.value, req.token, req.keyAuthorization, settings, dns, records);
    else await validateTlsAlpn01(identifier, req.keyAuthorization, settings, dns, records);
    return { status: 'valid', records };
  } catch (err) {
    if (err instanceof ValidationFailure) return invalid(records, err);
    // Something the remote provoked that is not mapped above (an odd socket error): still a result.
    const message = err instanceof Error ? err.message : String(err);
    return invalid(records, new ValidationFailure('connection', `Validation failed: ${message}`, true));
  }
}
