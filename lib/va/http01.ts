/**
 * http-01 (RFC 8555 8.3): GET http://<name>/.well-known/acme-challenge/<token> and compare the body
 * with the key authorization. Every hop (redirects included) is resolved and filtered by the VA
 * and connected to by address; the body read is bounded.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { hostLiteral } from './addresses.js';
import { resolveTarget, type Dns } from './resolve.js';
import { ValidationFailure, type ValidationRecord, type ValidationSettings } from './types.js';

export const MAX_REDIRECTS = 10;
/** How far beyond the expected length a body may run (whitespace, a newline) before it is cut off. */
export const BODY_SLACK = 256;
const REDIRECT = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'openstack-ca-va (ACME validation)';
/** A DNS name as a redirect target: LDH labels; anything else (userinfo tricks, "_") is refused. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

interface Hop {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
}

interface Answer {
  status: number;
  location?: string;
  body?: Buffer;
  oversized?: boolean;
}

const defaultPort = (scheme: Hop['scheme']) => (scheme === 'http' ? 80 : 443);
const authority = (hop: Hop) => hostLiteral(hop.host) + (hop.port === defaultPort(hop.scheme) ? '' : `:${hop.port}`);
const urlOf = (hop: Hop) => `${hop.scheme}://${authority(hop)}${hop.path}`;

const codeOf = (err: Error): string => ('code' in err && typeof err.code === 'string' ? err.code : '');

function requestFailure(err: Error, url: string): ValidationFailure {
  if (err instanceof ValidationFailure) return err;
  const code = codeOf(err);
  if (code.startsWith('HPE_')) return new ValidationFailure('connection', `The server at ${url} sent a malformed HTTP response (${code})`, false);
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || code.startsWith('ERR_TLS')) {
    return new ValidationFailure('tls', `TLS error connecting to ${url}: ${err.message}`, false);
  }
  const what = code === 'ECONNREFUSED' ? 'Connection refused' : code === 'ECONNRESET' ? 'Connection reset by peer' : `${code || 'Error'}: ${err.message}`;
  return new ValidationFailure('connection', `Error connecting to ${url}: ${what}`, true);
}

/** One GET to one address. Only a 200's body is read, and only up to `limit` bytes. */
function get(address: string, hop: Hop, limit: number, timeoutMs: number): Promise<Answer> {
  const url = urlOf(hop);
  return new Promise<Answer>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const options: https.RequestOptions = {
      host: address,
      port: hop.port,
      path: hop.path,
      method: 'GET',
      agent: false,
      headers: { Host: authority(hop), 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' },
      // Let's Encrypt does not verify certificates of https redirect targets; no SNI for an IP (RFC 6066 3).
      ...(hop.scheme === 'https' ? { servername: isIP(hop.host) ? '' : hop.host, rejectUnauthorized: false } : {}),
    };
    const onResponse = (res: http.IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const location = REDIRECT.has(status) ? res.headers.location : undefined;
        // Settled first: destroying the response emits 'aborted' at once.
        settle(() => resolve({ status, location }));
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          settle(() => resolve({ status, oversized: true }));
          res.destroy();
        } else chunks.push(chunk);
      });
      res.on('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks) })));
      res.on('error', (err) => settle(() => reject(requestFailure(err, url))));
      res.on('aborted', () => settle(() => reject(new ValidationFailure('connection', `The connection to ${url} closed before the body was complete`, true))));
    };
    const req = hop.scheme === 'https' ? https.request(options, onResponse) : http.request(options, onResponse);
    timer = setTimeout(() => {
      settle(() => reject(new ValidationFailure('connection', `Timeout after ${timeoutMs} ms fetching ${url}`, true)));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => settle(() => reject(requestFailure(err, url))));
    req.end();
  });
}

/** A redirect target: http or https only, on 80/443 or the configured challenge ports (a local-stack knob). */
function nextHop(location: string, from: string, settings: ValidationSettings): Hop {
  let u: URL;
  try {
    u = new URL(location, from);
  } catch {
    throw new ValidationFailure('connection', `Invalid redirect target ${JSON.stringify(location.slice(0, 200))} from ${from}`);
  }
  const scheme = u.protocol === 'http:' ? 'http' : u.protocol === 'https:' ? 'https' : undefined;
  if (!scheme) throw new ValidationFailure('connection', `Invalid protocol scheme in redirect target ${u.href}: only http and https are followed`);
  const port = u.port ? Number(u.port) : defaultPort(scheme);
  const allowed = scheme === 'http' ? [80, settings.http01Port] : [443, settings.tlsAlpn01Port];
  if (!allowed.includes(port)) {
    throw new ValidationFailure('connection', `Invalid port in redirect target ${u.href}: only ports ${[...new Set(allowed)].join(' and ')} are followed for ${scheme}, not ${port}`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (!isIP(host) && !HOSTNAME.test(host)) throw new ValidationFailure('connection', `Invalid host in redirect target ${u.href}`);
  return { scheme, host, port, path: `${u.pathname}${u.search}` };
}

/** Printable, short: a tenant's body goes into an error detail. */
const excerpt = (b: Buffer) => JSON.stringify(b.subarray(0, 64).toString('utf8')) + (b.length > 64 ? '…' : '');

/** Throws a ValidationFailure unless the challenge file holds the key authorization; `records` grows per hop. */
export async function validateHttp01(host: string, token: string, keyAuthorization: string, settings: ValidationSettings, dns: Dns, records: ValidationRecord[]): Promise<void> {
  const limit = Buffer.byteLength(keyAuthorization) + BODY_SLACK;
  let hop: Hop = { scheme: 'http', host, port: settings.http01Port, path: `/.well-known/acme-challenge/${token}` };
  for (let redirects = 0; ; redirects++) {
    const url = urlOf(hop);
    const record: ValidationRecord = { url, hostname: hop.host, port: String(hop.port) };
    records.push(record);
    if (!isIP(hop.host)) record.resolverAddrs = dns.servers;
    const target = await resolveTarget(hop.host, dns, settings, record);
    let answer: Answer | undefined;
    for (const [i, address] of target.candidates.entries()) {
      record.addressUsed = address;
      try {
        answer = await get(address, hop, limit, settings.timeoutMs);
        break;
      } catch (err) {
        // Boulder's fallback: an unreachable IPv6 address is retried over IPv4.
        const last = i === target.candidates.length - 1;
        if (last || !(err instanceof ValidationFailure) || err.type !== 'connection') throw err;
      }
    }
    if (!answer) throw new ValidationFailure('connection', `No address to connect to for ${url}`);
    if (REDIRECT.has(answer.status) && answer.location !== undefined) {
      if (redirects === MAX_REDIRECTS) throw new ValidationFailure('connection', `Too many redirects (more than ${MAX_REDIRECTS}) from ${records[0].url}`);
      hop = nextHop(answer.location, url, settings);
      continue;
    }
    if (answer.status !== 200) throw new ValidationFailure('unauthorized', `Invalid response from ${url}: HTTP ${answer.status}`);
    if (answer.oversized || !answer.body) {
      throw new ValidationFailure('incorrectResponse', `Invalid response from ${url}: the body is larger than ${limit} bytes`);
    }
    // RFC 8555 8.3: whitespace at the end of the body is ignored.
    if (answer.body.toString('utf8').replace(/\s+$/u, '') !== keyAuthorization) {
      throw new ValidationFailure('incorrectResponse', `The key authorization file from ${url} does not match this challenge: expected ${JSON.stringify(keyAuthorization)}, got ${excerpt(answer.body)}`);
    }
    return;
  }
}
