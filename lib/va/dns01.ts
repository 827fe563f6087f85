/** dns-01 (RFC 8555 8.4): a TXT record at _acme-challenge.<name> holding base64url(SHA-256(key authorization)). */
import { createHash } from 'node:crypto';
import { dnsFailure, type Dns } from './resolve.js';
import { ValidationFailure, type ValidationRecord } from './types.js';

export const dns01Digest = (keyAuthorization: string): string => createHash('sha256').update(keyAuthorization).digest('base64url');

export async function validateDns01(name: string, keyAuthorization: string, dns: Dns, records: ValidationRecord[]): Promise<void> {
  const query = `_acme-challenge.${name}`;
  records.push({ hostname: name, resolverAddrs: dns.servers });
  let txt: string[][];
  try {
    txt = await dns.resolver.resolveTxt(query);
  } catch (err) {
    // No TXT record is the client's answer being absent (unauthorized), as in Boulder; NXDOMAIN and failures are DNS problems.
    if (err && typeof err === 'object' && 'code' in err && err.code === 'ENODATA') txt = [];
    else throw dnsFailure(err, 'TXT', query);
  }
  const expected = dns01Digest(keyAuthorization);
  // A long TXT value arrives as several character-strings: they form one value.
  const values = txt.map((chunks) => chunks.join(''));
  if (values.includes(expected)) return;
  if (!values.length) throw new ValidationFailure('unauthorized', `No TXT record found at ${query}`);
  const shown = JSON.stringify(values[0].slice(0, 100));
  throw new ValidationFailure('unauthorized', `Incorrect TXT record ${shown}${values.length > 1 ? ` (and ${values.length - 1} more)` : ''} found at ${query}`);
}
