import { AppError, badRequest } from '../errors/index.js';
import { CERTIFICATE_STATUSES, type CertificateFilters, type CertificateStatus } from '../store/index.js';
import { normaliseSerialHex, parseSan } from '../x509/index.js';
import { sanToString } from './sans.js';

const invalid = (field: string, message: string) => badRequest('QUERY_INVALID', message, { field });

/** A SAN as records hold it (`DNS:x`, `IP:x`, `email:x`), from `www.example.org`, `IP:10.0.0.1`…; QUERY_INVALID if it is none. */
function sanFilter(value: string): string {
  try {
    return sanToString(parseSan(value));
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    throw invalid('san', `"san" must be one name of a certificate: a DNS name (www.example.org, *.example.org), an IP address or an email address (${e.message})`);
  }
}

/** `example.org` (a leading `*.` or `.` is ignored): names ending in `.example.org`. */
function suffixFilter(value: string): string {
  const bare = value.replace(/^\*?\./, '');
  const why = '"san_suffix" must be a DNS name such as example.org: certificates with a name ending in .example.org are listed';
  let san;
  try {
    san = parseSan(`DNS:${bare}`);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    throw invalid('san_suffix', why);
  }
  if (san.value.includes('*')) throw invalid('san_suffix', why);
  return san.value;
}

function serialFilter(value: string): string {
  try {
    const serial = normaliseSerialHex(value);
    // 20 octets at most (RFC 5280 4.1.2.2).
    if (serial.length <= 40) return serial;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  throw invalid('serial', '"serial" must be a certificate serial number in hex, at most 20 octets (any case, colons allowed: 4F:1A:…)');
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** Date.parse rolls 2031-02-30 over into March: the calendar date must exist as written. */
function realDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function timeFilter(field: string, value: string): string {
  const ms = ISO_TIME.test(value) && realDate(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw invalid(field, `"${field}" must be an ISO 8601 time with its zone, such as 2030-01-31T12:00:00Z (or a date: 2030-01-31, midnight UTC)`);
  return new Date(ms).toISOString();
}

const isStatus = (v: string): v is CertificateStatus => (CERTIFICATE_STATUSES as readonly string[]).includes(v);

/**
 * The filters of `GET /v1/certificates`, normalised as the index holds values; QUERY_INVALID
 * (field: the parameter) for a value that cannot match anything. `ca_id` and `profile` are checked
 * by the route's parameter kinds before this runs.
 */
export function certificateFilters(query: Record<string, string | undefined>): CertificateFilters {
  const f: CertificateFilters = {};
  if (query.ca_id !== undefined) f.caId = query.ca_id;
  if (query.profile !== undefined) f.profile = query.profile;
  if (query.san !== undefined) f.san = sanFilter(query.san);
  if (query.san_suffix !== undefined) f.sanSuffix = suffixFilter(query.san_suffix);
  if (query.serial !== undefined) f.serial = serialFilter(query.serial);
  if (query.status !== undefined) {
    if (!isStatus(query.status)) throw invalid('status', `"status" must be one of ${CERTIFICATE_STATUSES.join(', ')}`);
    f.status = query.status;
  }
  if (query.expires_before !== undefined) f.expiresBefore = timeFilter('expires_before', query.expires_before);
  if (query.expires_after !== undefined) f.expiresAfter = timeFilter('expires_after', query.expires_after);
  if (f.expiresBefore && f.expiresAfter && f.expiresAfter >= f.expiresBefore) throw invalid('expires_after', '"expires_after" must be before "expires_before" (both bounds are exclusive)');
  return f;
}
