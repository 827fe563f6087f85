import { X509Certificate } from 'node:crypto';
// The generations only: lib/ca's index would bring the signing code into an API bundle.
import { chainPemsOf } from '../ca/generations.js';
import type { Profile } from '../profiles/index.js';
import type { CaRecord, CertificateRecord, ContainerRecord, JobRecord } from '../store/index.js';
import type { NameConstraints } from '../x509/index.js';
import type { CaAnswer, CertificateAnswer, ContainerAnswer, JobAnswer, ProfileAnswer } from '../openapi/answers.js';

/**
 * Records as the API shows them: snake_case, links, no storage keys, no reference to the service's own Barbican secrets.
 * Their types are the answer schemas' (lib/openapi/answers.ts), which the API document is made from.
 */
export function caView(ca: CaRecord, baseUrl: string): CaAnswer {
  return {
    id: ca.id,
    name: ca.name,
    status: ca.status,
    subject: ca.subject,
    key_type: ca.keyType,
    validity_days: ca.validityDays,
    serial: ca.serial ?? null,
    not_before: ca.notBefore ?? null,
    not_after: ca.notAfter ?? null,
    certificate: ca.certificatePem ?? null,
    parent_ca_id: ca.parentId ?? null,
    external: ca.external === true,
    path_len: ca.pathLen ?? null,
    name_constraints: ca.nameConstraints ? constraintsView(ca.nameConstraints) : null,
    failure_reason: ca.failureReason ?? null,
    job_id: ca.jobId,
    created_at: ca.createdAt,
    updated_at: ca.updatedAt,
    links: [
      { rel: 'self', href: `${baseUrl}/v1/cas/${ca.id}` },
      { rel: 'certificates', href: `${baseUrl}/v1/certificates?ca_id=${ca.id}` },
      { rel: 'chain', href: `${baseUrl}/v1/cas/${ca.id}/chain` },
      ...(ca.parentId ? [{ rel: 'parent', href: `${baseUrl}/v1/cas/${ca.parentId}` }] : []),
      ...(ca.external ? [{ rel: 'csr', href: `${baseUrl}/v1/cas/${ca.id}/csr` }] : []),
    ],
  };
}

const constraintsView = (c: NameConstraints) => ({
  permitted_dns: c.permittedDns ?? [],
  excluded_dns: c.excludedDns ?? [],
  permitted_ip: c.permittedIp ?? [],
  excluded_ip: c.excludedIp ?? [],
  permitted_email: c.permittedEmail ?? [],
  excluded_email: c.excludedEmail ?? [],
});

/** The CA's certificate and its issuers', leaf-most first: what a server sends after its own certificate. */
export const caChainPems = (ca: CaRecord): string[] => (ca.certificatePem ? [ca.certificatePem, ...(ca.chainPem ?? [])] : []);

/** A certificate's `chain`, one PEM bundle: the CA certificate of the key generation that signed it (an older one's after a rotation), and its issuers'. */
export const chainOf = (ca: CaRecord | undefined, cert: CertificateRecord): string | undefined => (ca && cert.certificatePem ? chainPemsOf(ca, cert).join('\n') : undefined);

/**
 * After a rotation, for a certificate the new key signed: the cross certificate (the new key
 * certified by the old) and the old root, so a relying party that trusts only the old root can
 * still verify it. Undefined for a CA never rotated, and for certificates the old key signed.
 */
export function crossChainPems(ca: CaRecord, certificatePem: string): string[] | undefined {
  if (!ca.crossCertificatePem || !ca.previousCertificatePem || !ca.certificatePem) return undefined;
  const byCurrentKey = new X509Certificate(certificatePem).verify(new X509Certificate(ca.certificatePem).publicKey);
  return byCurrentKey ? [ca.crossCertificatePem, ca.previousCertificatePem] : undefined;
}

export function jobView(job: JobRecord, baseUrl: string): JobAnswer {
  const links = [{ rel: 'self', href: `${baseUrl}/v1/jobs/${job.id}` }];
  if (job.result) links.push({ rel: 'result', href: `${baseUrl}/v1/${COLLECTION[job.result.type]}/${job.result.id}` });
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    reason: job.reason ?? null,
    attempts: job.attempts,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    links,
  };
}

/** A profile as stored is already snake_case and public: shown as is. */
export const profileView = (p: Profile): ProfileAnswer => ({ ...p });


const COLLECTION = { ca: 'cas', certificate: 'certificates', container: 'containers' } as const;

/** A registered tenant container: its public parts and state; the key stays in the tenant's Barbican. */
export function containerView(c: ContainerRecord, baseUrl: string): ContainerAnswer {
  return {
    id: c.id,
    name: c.name ?? null,
    status: c.status,
    container_ref: c.containerRef,
    subject: c.subject ?? null,
    sans: c.sans ?? [],
    serial: c.serial ?? null,
    key_type: c.keyType ?? null,
    not_before: c.notBefore ?? null,
    not_after: c.notAfter ?? null,
    certificate: c.certificatePem ?? null,
    chain: c.chainPem ?? [],
    failure_reason: c.failureReason ?? null,
    job_id: c.jobId,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    links: [{ rel: 'self', href: `${baseUrl}/v1/containers/${c.id}` }],
  };
}

export function certificateView(cert: CertificateRecord, baseUrl: string, chainPem?: string, crossChainPem?: string): CertificateAnswer {
  return {
    id: cert.id,
    ca_id: cert.caId,
    status: cert.status,
    subject: cert.subject ?? null,
    sans: cert.sans,
    ttl_seconds: cert.ttlSeconds,
    serial: cert.serial ?? null,
    not_before: cert.notBefore ?? null,
    not_after: cert.notAfter ?? null,
    certificate: cert.certificatePem ?? null,
    chain: cert.certificatePem && chainPem ? chainPem : null,
    cross_chain: cert.certificatePem && crossChainPem ? crossChainPem : null,
    failure_reason: cert.failureReason ?? null,
    revoked_at: cert.revokedAt ?? null,
    revocation_reason: cert.revocationReason ?? null,
    /** `barbican`: the service made the key; it is in `container_ref`, readable by the requester only. */
    key_location: cert.serverSideKey ? 'barbican' : 'client',
    container_ref: cert.keyContainerRef ?? null,
    renewal: cert.renewal ?? null,
    renew_at: cert.renewAt ?? null,
    renewed_from: cert.renewedFrom ?? null,
    renewed_by: cert.renewedBy ?? null,
    reissued_from: cert.reissuedFrom ?? null,
    job_id: cert.jobId,
    created_at: cert.createdAt,
    updated_at: cert.updatedAt,
    links: [
      { rel: 'self', href: `${baseUrl}/v1/certificates/${cert.id}` },
      { rel: 'ca', href: `${baseUrl}/v1/cas/${cert.caId}` },
    ],
  };
}
