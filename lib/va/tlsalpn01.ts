/**
 * tls-alpn-01 (RFC 8737): a TLS handshake offering only "acme-tls/1", whose self-signed certificate
 * names exactly the identifier and carries the critical acmeIdentifier extension with
 * SHA-256(key authorization). For an IP identifier the SNI is its reverse-DNS name (RFC 8738 6).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { reverseName } from './addresses.js';
import { resolveTarget, type Dns } from './resolve.js';
import { ValidationFailure, type ValidationRecord, type ValidationSettings } from './types.js';
import { content, generalNames, ipToBytes, OID, parseCertificate, readTlv } from '../x509/index.js';

type Extension = NonNullable<ReturnType<typeof parseCertificate>['extensions']>[number];

export const ACME_TLS_1 = 'acme-tls/1';
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';

const codeOf = (err: Error): string => ('code' in err && typeof err.code === 'string' ? err.code : '');

/** The peer's certificate after an acme-tls/1 handshake with `address`. */
function handshake(address: string, port: number, servername: string, timeoutMs: number, where: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    // The certificate is self-signed by design: what is checked is its content, not its issuer.
    const socket = tls.connect({ host: address, port, servername, ALPNProtocols: [ACME_TLS_1], rejectUnauthorized: false });
    timer = setTimeout(() => settle(() => reject(new ValidationFailure('connection', `Timeout after ${timeoutMs} ms during the TLS handshake with ${where}`, true))), timeoutMs);
    socket.once('secureConnect', () => {
      const protocol = socket.alpnProtocol;
      const cert = socket.getPeerX509Certificate();
      settle(() => {
        if (protocol !== ACME_TLS_1) reject(new ValidationFailure('unauthorized', `Cannot negotiate ALPN protocol "${ACME_TLS_1}" with ${where} for the tls-alpn-01 challenge`));
        else if (!cert) reject(new ValidationFailure('unauthorized', `${where} presented no certificate for the tls-alpn-01 challenge`));
        else resolve(cert.raw);
      });
    });
    // 'on', not 'once': a second error after settling must not become an uncaught exception.
    socket.on('error', (err) => {
      const code = codeOf(err);
      const connection = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(code);
      // A refused ALPN (no_application_protocol alert) is the server not doing tls-alpn-01, as above.
      const alpn = /no.application.protocol/i.test(err.message);
      settle(() =>
        reject(
          alpn
            ? new ValidationFailure('unauthorized', `Cannot negotiate ALPN protocol "${ACME_TLS_1}" with ${where} for the tls-alpn-01 challenge`)
            : connection
              ? new ValidationFailure('connection', `Error connecting to ${where}: ${code === 'ECONNREFUSED' ? 'Connection refused' : `${code}: ${err.message}`}`, true)
              : new ValidationFailure('tls', `TLS error during the handshake with ${where}: ${err.message}`, false),
        ),
      );
    });
  });
}

/**
 * Why the certificate does not prove control of the identifier (undefined: it does). Read with the
 * strict structural reader but not as a certificate to rely on: a challenge certificate's validity
 * period does not matter (challtestsrv's starts in year 1), only its names and acmeIdentifier.
 */
export function alpnCertificateProblem(der: Buffer, identifier: { type: 'dns' | 'ip'; value: string }, keyAuthorization: string): string | undefined {
  let extensions: Extension[];
  try {
    extensions = parseCertificate(der).extensions ?? [];
  } catch (err) {
    return `the certificate cannot be read (${err instanceof Error ? err.message : String(err)})`;
  }
  const only = (oid: string) => extensions.filter((e) => e.oid === oid);
  const sans = only(OID.subjectAltName);
  if (sans.length !== 1) return sans.length ? 'the certificate has two subjectAltName extensions' : 'the certificate has no subjectAltName extension';
  const names = generalNames(sans[0].value);
  // RFC 8737 3: exactly one name, the identifier itself.
  if (names.length !== 1) return `the certificate's subjectAltName has ${names.length} entries; exactly one (${identifier.value}) is required`;
  const [name] = names;
  const matches =
    identifier.type === 'dns'
      ? name.tag === 0x82 && name.value.toString('latin1').toLowerCase() === identifier.value
      : name.tag === 0x87 && name.value.equals(ipToBytes(identifier.value));
  if (!matches) return `the certificate's subjectAltName does not name ${identifier.type === 'dns' ? 'the DNS name' : 'the IP address'} ${identifier.value}`;
  const acme = only(ACME_IDENTIFIER_OID);
  if (acme.length !== 1) return acme.length ? 'the certificate has two acmeIdentifier extensions' : 'the certificate has no acmeIdentifier extension';
  const [ext] = acme;
  if (!ext.critical) return 'the acmeIdentifier extension is not marked critical';
  // extnValue holds the DER of Authorization ::= OCTET STRING (SIZE (32)).
  const t = readTlv(ext.value, 0);
  if (t.tag !== 0x04 || t.end !== ext.value.length) return 'the acmeIdentifier extension is not a single OCTET STRING';
  const expected = createHash('sha256').update(keyAuthorization).digest();
  if (!content(ext.value, t).equals(expected)) return 'the acmeIdentifier extension does not hold the SHA-256 of this key authorization';
  return undefined;
}

export async function validateTlsAlpn01(
  identifier: { type: 'dns' | 'ip'; value: string },
  keyAuthorization: string,
  settings: ValidationSettings,
  dns: Dns,
  records: ValidationRecord[],
): Promise<void> {
  const host = identifier.value;
  const record: ValidationRecord = { hostname: host, port: String(settings.tlsAlpn01Port) };
  records.push(record);
  if (!isIP(host)) record.resolverAddrs = dns.servers;
  const target = await resolveTarget(host, dns, settings, record);
  const servername = identifier.type === 'ip' ? reverseName(host) : host;
  let der: Buffer | undefined;
  for (const [i, address] of target.candidates.entries()) {
    record.addressUsed = address;
    try {
      der = await handshake(address, settings.tlsAlpn01Port, servername, settings.timeoutMs, `${host} (${address}:${settings.tlsAlpn01Port})`);
      break;
    } catch (err) {
      const last = i === target.candidates.length - 1;
      if (last || !(err instanceof ValidationFailure) || err.type !== 'connection') throw err;
    }
  }
  if (!der) throw new ValidationFailure('connection', `No address to connect to for ${host}`);
  let problem: string | undefined;
  try {
    problem = alpnCertificateProblem(der, identifier, keyAuthorization);
  } catch (err) {
    problem = `the certificate is malformed (${err instanceof Error ? err.message : String(err)})`;
  }
  if (problem) throw new ValidationFailure('unauthorized', `Incorrect validation certificate for the tls-alpn-01 challenge from ${host}: ${problem}`);
}
