import { isUuid } from '../../lib/http/params.js';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { AcmeProblem, readSigned, type AcmeHandler, type AcmeRequest } from '../../lib/acme/index.js';
import { decodeBase64url } from '../../lib/acme/encoding.js';
import { recordEvent } from '../../lib/events/index.js';
import { requestRevocation } from '../../lib/jobs/index.js';
import { certificates, ocspResponses, type CertificateRecord } from '../../lib/store/index.js';
import { caChainPems } from '../../lib/views/index.js';
import { normaliseSerialHex, REASON_CODES, type ReasonCode } from '../../lib/x509/index.js';

const PEM_CHAIN = 'application/pem-certificate-chain';

/** POST-as-GET cert/{cert}: the leaf and its issuers, leaf first (RFC 8555 7.4.2); `Link: alternate` to the cross chain after a rotation. */
export const certificate: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  const id = req.params.cert ?? '';
  const cert = isUuid(id) ? await certificates.get(req.projectId, id) : undefined;
  if (!cert || cert.caId !== req.ca.id || cert.acme?.accountId !== signed.account!.id || !cert.certificatePem || (cert.status !== 'issued' && cert.status !== 'revoked')) {
    throw new AcmeProblem('malformed', `no certificate ${id} of this account`, { status: 404 });
  }
  const cross = req.params.variant === 'cross';
  if (req.params.variant !== undefined && (!cross || !req.ca.crossCertificatePem)) throw new AcmeProblem('malformed', `no ${req.params.variant} chain for certificate ${id}`, { status: 404 });
  // The cross chain: the new CA certified by the old key, for relying parties that trust only the old root.
  const chain = cross ? [req.ca.crossCertificatePem!, ...(req.ca.chainPem ?? [])] : caChainPems(req.ca);
  const headers: Record<string, string> = !cross && req.ca.crossCertificatePem ? { Link: `<${req.urls.certificate(id)}/cross>;rel="alternate"` } : {};
  return { status: 200, headers, text: { data: [cert.certificatePem, ...chain].map((p) => `${p.trim()}\n`).join(''), contentType: PEM_CHAIN } };
};

/** Reasons a subscriber may give (as Boulder): not CA compromise, hold or removeFromCRL. */
const ALLOWED_REASONS = new Set<ReasonCode>(['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn']);
const REASON_OF = new Map<number, ReasonCode>(Object.entries(REASON_CODES).map(([name, code]) => [code, name as ReasonCode]));

/** The record of a certificate this CA issued, found by serial and checked to be exactly the one presented. */
async function recordOf(req: AcmeRequest, der: Buffer): Promise<{ cert: CertificateRecord; x509: X509Certificate }> {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch {
    throw new AcmeProblem('malformed', '"certificate" is not a DER certificate');
  }
  const answer = await ocspResponses.get(req.projectId, req.ca.id, normaliseSerialHex(x509.serialNumber));
  const cert = answer?.certificateId ? await certificates.get(req.projectId, answer.certificateId) : undefined;
  if (!cert || cert.caId !== req.ca.id || !cert.certificatePem || !new X509Certificate(cert.certificatePem).raw.equals(x509.raw)) {
    if (answer?.status === 'revoked') throw new AcmeProblem('alreadyRevoked', 'the certificate is revoked already');
    throw new AcmeProblem('malformed', 'this directory did not issue that certificate', { status: 404 });
  }
  return { cert, x509 };
}

/** POST revoke-cert (RFC 8555 7.6): signed by the account that ordered it, or by the certificate's own key. */
export const revokeCert: AcmeHandler = async (req) => {
  const signed = await readSigned(req, 'either');
  const body = signed.payload as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || typeof body.certificate !== 'string' || !/^[A-Za-z0-9_-]+$/.test(body.certificate)) throw new AcmeProblem('malformed', '"certificate" must be the base64url DER of the certificate');
  let reason: ReasonCode | undefined;
  if (body.reason !== undefined) {
    reason = typeof body.reason === 'number' ? REASON_OF.get(body.reason) : undefined;
    if (!reason || !ALLOWED_REASONS.has(reason)) throw new AcmeProblem('badRevocationReason', `reason ${JSON.stringify(body.reason)} is not allowed; use 0, 1, 3, 4, 5 or 9 (RFC 5280 CRLReason)`);
  }
  const { cert, x509 } = await recordOf(req, Buffer.from(body.certificate, 'base64url'));
  if (signed.account) {
    if (cert.acme?.accountId !== signed.account.id) throw new AcmeProblem('unauthorized', 'this account did not order that certificate; sign with the certificate\'s key instead');
  } else {
    const given = createPublicKey({ key: signed.jwk!.key, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    if (!given.equals(x509.publicKey.export({ type: 'spki', format: 'der' }))) throw new AcmeProblem('unauthorized', 'the JWS key is not the certificate\'s key');
  }
  if (cert.status !== 'issued') throw new AcmeProblem(cert.status === 'revoked' ? 'alreadyRevoked' : 'malformed', `the certificate is ${cert.status}`);
  const by = signed.account ? `acme:account:${signed.account.id}` : 'acme:certificate-key';
  const { revokedNow } = await requestRevocation(cert, reason, by);
  if (!revokedNow) throw new AcmeProblem('alreadyRevoked', 'the certificate is revoked already');
  await recordEvent({ projectId: req.projectId, action: 'certificate.revoked', outcome: 'success', userId: by, requestId: req.requestId, object: { type: 'certificate', id: cert.id }, reason: 'ACME revokeCert' });
  return { status: 200 };
};

/**
 * GET renewal-info/{AKI}.{serial} (RFC 9773): when to renew. The last third of the lifetime,
 * the window's start a sixth before its end; at once for a revoked certificate.
 */
export const renewalInfo: AcmeHandler = async (req) => {
  const { answer, cert } = await certificateOfAriId(req, req.params.ari ?? '');
  const retry = { 'Retry-After': '21600' };
  if (answer.status === 'revoked' || !cert?.notBefore || !cert.notAfter) {
    const now = req.now.getTime();
    return { status: 200, headers: retry, body: { suggestedWindow: { start: new Date(now - 3_600_000).toISOString(), end: new Date(now).toISOString() } } };
  }
  const start = Date.parse(cert.notBefore);
  const end = Date.parse(cert.notAfter);
  const life = end - start;
  return { status: 200, headers: retry, body: { suggestedWindow: { start: new Date(end - life / 3).toISOString(), end: new Date(end - life / 6).toISOString() } } };
};

/** An RFC 9773 certificate id, base64url(AKI keyIdentifier) "." base64url(serial), as this CA's answer on file and its record. */
export async function certificateOfAriId(req: AcmeRequest, id: string) {
  // Strictly decoded, both parts non-empty: an empty serial reached normaliseSerialHex and was a 500.
  const parts = id.split('.');
  const [aki, serial] = parts.length === 2 ? parts.map(decodeBase64url) : [];
  if (!aki?.length || !serial?.length) throw new AcmeProblem('malformed', 'a renewalInfo certificate id is base64url(AKI keyIdentifier) "." base64url(serial), both unpadded and non-empty');
  const ski = req.ca.subjectKeyId?.replace(/:/g, '').toLowerCase();
  if (ski && aki.toString('hex') !== ski) throw new AcmeProblem('malformed', 'that certificate was not issued by this CA\'s current key', { status: 404 });
  const answer = await ocspResponses.get(req.projectId, req.ca.id, normaliseSerialHex(serial.toString('hex')));
  if (!answer) throw new AcmeProblem('malformed', 'no certificate of this CA has that serial', { status: 404 });
  const cert = answer.certificateId ? await certificates.get(req.projectId, answer.certificateId) : undefined;
  return { answer, cert };
}
