/**
 * The soak's workload: CAs made first (their jobs count), then a seeded mix of certificate
 * requests from CSRs, with server-side keys (kept in Barbican) and revocations, across tenants.
 */
export interface Tenant {
  project: string;
  /** Tokens: the project admin (CAs) and a member (certificates). */
  admin: string;
  member: string;
  cas: string[];
  /** Certificates seen issued: what revocations pick from. */
  issued: Array<{ id: string; caId: string }>;
}

export type Kind = 'ca.create' | 'certificate.csr' | 'certificate.server_key' | 'certificate.revoke';

export interface Submitted {
  kind: Kind;
  project: string;
  /** Empty for a revocation: the API records it at once and queues the CRL's re-signing itself. */
  jobId: string;
  certificateId?: string;
  caId?: string;
  token: string;
}

export interface Refused {
  kind: Kind;
  status: number;
  code: string;
}

type Call = (method: string, path: string, token: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function client(apiUrl: string): Call {
  return async (method, path, token, body) => {
    const res = await fetch(`${apiUrl}${path}`, { method, headers: { 'X-Auth-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* reported as is */
    }
    return { status: res.status, body: parsed };
  };
}

/** Picks the next job's kind: mostly CSRs, some server-side keys, revocations once there is something to revoke. */
export function pickKind(random: () => number, tenant: Tenant): Kind {
  const r = random();
  if (r < 0.15 && tenant.issued.length > 0) return 'certificate.revoke';
  if (r < 0.3) return 'certificate.server_key';
  return 'certificate.csr';
}

export async function submit(call: Call, tenant: Tenant, kind: Kind, n: number, csrs: string[], random: () => number): Promise<Submitted | Refused> {
  const ca = tenant.cas[Math.floor(random() * tenant.cas.length)];
  const name = `soak-${n}.example.org`;
  let res;
  if (kind === 'ca.create') res = await call('POST', '/v1/cas', tenant.admin, { subject: { CN: `Soak Root ${n}` }, key_type: 'EC-P256' });
  else if (kind === 'certificate.csr') res = await call('POST', `/v1/cas/${ca}/certificates`, tenant.member, { csr: csrs[n % csrs.length], sans: [`DNS:${name}`] });
  else if (kind === 'certificate.server_key') res = await call('POST', `/v1/cas/${ca}/certificates`, tenant.member, { sans: [`DNS:${name}`] });
  else {
    const { id, caId } = tenant.issued.splice(Math.floor(random() * tenant.issued.length), 1)[0];
    res = await call('POST', `/v1/certificates/${id}/revoke`, tenant.member, { reason: 'superseded' });
    if (res.status === 200) return { kind, project: tenant.project, jobId: '', certificateId: id, caId, token: tenant.member };
  }
  if (res.status !== 202) return { kind, status: res.status, code: String(res.body?.code ?? res.body?.error?.code ?? 'NO_CODE') };
  const certificateId = res.body.certificate?.id;
  return { kind, project: tenant.project, jobId: res.body.job.id, certificateId, caId: certificateId ? ca : undefined, token: kind === 'ca.create' ? tenant.admin : tenant.member };
}
