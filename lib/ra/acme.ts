import { AppError, badRequest, forbidden } from '../errors/index.js';
import { profileFor } from '../profiles/index.js';
import type { AcmeAuthzRecord, AcmeAccountRecord, AcmeGrants, AcmeIdentifier, AcmeOrderRecord, CertificateRecord } from '../store/index.js';
import { canonicalIp, commonNameAsSan, normaliseDnsName, type KeyType, type ParsedCsr } from '../x509/index.js';
import { decideIssuance, ungranted, type IssuanceDecision, type IssuingCaFacts } from './decide.js';

/**
 * ACME's side of the registration authority: identifiers in, the same decision out. newOrder,
 * finalize and the worker all come through here and through decideIssuance; none adds a name the
 * order did not have.
 */

/** "DNS:x" / "IP:x": the form certificate records keep their names in. */
export const identifierName = (id: AcmeIdentifier): string => `${id.type === 'dns' ? 'DNS' : 'IP'}:${id.value}`;

const refused = (value: string, why: string) => badRequest('ACME_IDENTIFIER_INVALID', `identifier "${value}": ${why}`, { value });

/**
 * An identifier as the client sent it, checked and canonical. DNS names arrive as A-labels (RFC 8555
 * 7.1.4): a U-label is refused rather than converted, so the name validated is the name signed.
 */
export function canonicalIdentifier(raw: { type: unknown; value: unknown }): AcmeIdentifier {
  if (typeof raw.value !== 'string' || !raw.value) throw refused(String(raw.value), 'the value must be a non-empty string');
  if (raw.type === 'dns') {
    if (!/^[\x21-\x7e]+$/.test(raw.value)) throw refused(raw.value, 'DNS identifiers must be A-labels (ASCII, punycode for IDNs)');
    if (raw.value !== raw.value.toLowerCase()) throw refused(raw.value, 'DNS identifiers must be lower case');
    return { type: 'dns', value: normaliseDnsName(raw.value) };
  }
  if (raw.type === 'ip') {
    const ip = canonicalIp(raw.value, (why) => refused(String(raw.value), why));
    return { type: 'ip', value: ip.text };
  }
  throw new AppError('ACME_IDENTIFIER_UNSUPPORTED', 400, `identifier type "${String(raw.type)}" is not supported: use dns or ip`);
}

const placeholderKey: Record<string, KeyType> = { RSA: 'RSA-2048', EC: 'EC-P256', Ed25519: 'Ed25519' };

/**
 * newOrder: each identifier through the decision on its own (so each refusal is a subproblem of
 * its own), then all together. No key is known yet: a key type the profile allows stands in.
 */
export function decideAcmeOrder(ca: IssuingCaFacts, identifiers: AcmeIdentifier[], profile: string, grants: AcmeGrants, now: Date): { decision: IssuanceDecision } | { refusals: Array<{ identifier: AcmeIdentifier; error: AppError }> } {
  const p = profileFor(ca.profiles, profile);
  const keyType = placeholderKey[p.key_types[0]] ?? 'EC-P256';
  const request = (ids: AcmeIdentifier[]) => ({ serverSideKey: { keyType, subject: {} }, sans: ids.map(identifierName), profile });
  const refusals: Array<{ identifier: AcmeIdentifier; error: AppError }> = [];
  for (const identifier of identifiers) {
    try {
      const d = decideIssuance(ca, request([identifier]), now);
      grantedOrThrow(d, grants);
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500 || e.code === 'CA_NOT_ACTIVE' || e.code === 'CA_EXPIRED') throw e;
      refusals.push({ identifier, error: e });
    }
  }
  if (refusals.length) return { refusals };
  const decision = decideIssuance(ca, request(identifiers), now);
  grantedOrThrow(decision, grants);
  return { decision };
}

function grantedOrThrow(decision: IssuanceDecision, grants: AcmeGrants): void {
  const missing = ungranted(decision.questions, grants);
  if (missing.length) {
    throw forbidden('POLICY_NOT_GRANTED', `this account may not ask for ${missing.map((q) => (q === 'wildcard' ? 'wildcard names' : 'a lifetime beyond the profile\'s max_ttl')).join(' or ')}: the EAB key it was bound with was minted by a user without that right`);
  }
}

/** The CSR's names (SANs, and the CN folded in) as a set: equal to the order's, or badCSR. */
export function checkCsrNames(csr: ParsedCsr, identifiers: AcmeIdentifier[]): void {
  const want = new Set(identifiers.map(identifierName));
  const have = new Set<string>();
  for (const san of csr.sans) {
    if (san.type === 'email') throw badRequest('ACME_CSR_NAMES', `the CSR names email:${san.value}; an order can only name dns and ip identifiers`);
    have.add(`${san.type === 'dns' ? 'DNS' : 'IP'}:${san.value}`);
  }
  const cn = csr.commonName ? commonNameAsSan(csr.commonName) : undefined;
  if (csr.commonName && (!cn || cn.type === 'email')) throw badRequest('ACME_CSR_NAMES', `the CSR's CN "${csr.commonName}" is not one of the order's names`);
  if (cn) have.add(`${cn.type === 'dns' ? 'DNS' : 'IP'}:${cn.value}`);
  const extra = [...have].filter((n) => !want.has(n));
  const missing = [...want].filter((n) => !have.has(n));
  if (extra.length || missing.length) {
    throw badRequest('ACME_CSR_NAMES', `the CSR's names must be exactly the order's identifiers${extra.length ? `; not in the order: ${extra.join(', ')}` : ''}${missing.length ? `; missing from the CSR: ${missing.join(', ')}` : ''}`);
  }
}

/** Challenge types an identifier may be validated by (RFC 8555 8.4 wildcards: dns-01; RFC 8738 IPs: no dns-01). */
export function challengeTypesFor(identifier: AcmeIdentifier, wildcard: boolean): Array<'http-01' | 'dns-01' | 'tls-alpn-01'> {
  if (wildcard) return ['dns-01'];
  if (identifier.type === 'ip') return ['http-01', 'tls-alpn-01'];
  return ['http-01', 'dns-01', 'tls-alpn-01'];
}

/** The authorization an order needs for an identifier: wildcards are authorized on their base name. */
export function authorizationTarget(identifier: AcmeIdentifier): { identifier: AcmeIdentifier; wildcard: boolean } {
  return identifier.type === 'dns' && identifier.value.startsWith('*.') ? { identifier: { type: 'dns', value: identifier.value.slice(2) }, wildcard: true } : { identifier, wildcard: false };
}

/**
 * Before the worker signs for an order (Boulder's "check that all authorizations are good"): the
 * order is the one this certificate was made for and is processing, its account is valid and of
 * this directory, and every name is covered by a valid, unexpired authorization that the validator
 * (never the front end) found valid, by a challenge type that name may use.
 */
export function checkAcmeAuthorizations(
  cert: CertificateRecord,
  order: AcmeOrderRecord | undefined,
  account: AcmeAccountRecord | undefined,
  authzs: Array<AcmeAuthzRecord | undefined>,
  now: Date,
): void {
  const refuse = (why: string) => new AppError('ACME_ORDER_NOT_AUTHORIZED', 403, `certificate ${cert.id}: ${why}`);
  const acme = cert.acme!;
  if (!order || order.id !== acme.orderId || order.caId !== cert.caId || order.accountId !== acme.accountId || order.certificateId !== cert.id) throw refuse(`order ${acme.orderId} is not the order this certificate was asked for`);
  if (order.status !== 'processing') throw refuse(`order ${order.id} is ${order.status}, not processing`);
  if (!account || account.id !== acme.accountId || account.caId !== cert.caId || account.status !== 'valid') throw refuse(`account ${acme.accountId} is not a valid account of this directory`);
  const covered = new Set<string>();
  for (const [i, authz] of authzs.entries()) {
    const id = order.authorizationIds[i];
    if (!authz || authz.id !== id || authz.orderId !== order.id || authz.accountId !== account.id || authz.caId !== cert.caId) throw refuse(`authorization ${id} does not belong to the order`);
    const v = authz.validation;
    if (!v || v.status !== 'valid' || authz.status !== 'valid') throw refuse(`authorization ${id} is not valid`);
    if (Date.parse(authz.expires) <= now.getTime()) throw refuse(`authorization ${id} expired at ${authz.expires}`);
    if (!challengeTypesFor(authz.identifier, authz.wildcard).includes(v.type)) throw refuse(`authorization ${id} was validated by ${v.type}, which ${authz.wildcard ? 'a wildcard' : authz.identifier.type} may not use`);
    covered.add(identifierName(authz.wildcard ? { type: 'dns', value: `*.${authz.identifier.value}` } : authz.identifier));
  }
  const ordered = new Set(order.identifiers.map(identifierName));
  const names = new Set(cert.sans);
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  if (!same(ordered, covered)) throw refuse('the authorizations do not cover exactly the order\'s identifiers');
  if (!same(ordered, names)) throw refuse('the certificate would name other names than the order');
}
