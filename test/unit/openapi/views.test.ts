import { describe, expect, it } from 'vitest';
import { accountApiView, eabView, orderApiView } from '../../../lib/acme/apiViews.js';
import { answers } from '../../../lib/openapi/index.js';
import { DEFAULT_PROFILE, Profile } from '../../../lib/profiles/index.js';
import type { AcmeAccountRecord, AcmeAuthzRecord, AcmeOrderRecord, CaRecord, CertificateRecord, ContainerRecord, EabRecord, JobRecord } from '../../../lib/store/index.js';
import { caView, certificateView, containerView, jobView, profileView } from '../../../lib/views/index.js';

/** The views' output parses with the answer schemas the document is made from (their types are z.infer of them too). */
const BASE = 'https://ca.example.test';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const t = '2026-01-02T03:04:05.678Z';
const owned = { projectId: 'p1', createdBy: 'u1', createdAt: t, updatedAt: t };

const ca: CaRecord = { ...owned, id: id(1), name: 'Root', subject: { CN: 'Root', O: 'Org' }, keyType: 'EC-P256', validityDays: 3650, status: 'pending', jobId: id(2) };
const activeCa: CaRecord = { ...ca, status: 'active', certificatePem: 'PEM', serial: '01', notBefore: t, notAfter: t, parentId: id(3), external: true, pathLen: 0, nameConstraints: { permittedDns: ['example.org'] } };
const job: JobRecord = { ...owned, id: id(2), kind: 'certificate.issue', params: {}, status: 'failed', attempts: 2, reason: 'CSR_MALFORMED: no', result: { type: 'certificate', id: id(4) } };
const cert: CertificateRecord = { ...owned, id: id(4), caId: id(1), jobId: id(2), status: 'pending', sans: ['DNS:a.example.org'], ttlSeconds: 3600 };
const issued: CertificateRecord = {
  ...cert,
  status: 'revoked',
  certificatePem: 'PEM',
  serial: '02',
  notBefore: t,
  notAfter: t,
  subject: 'CN=a',
  revokedAt: t,
  revocationReason: 'keyCompromise',
  serverSideKey: { keyType: 'EC-P256', subject: { CN: 'a' } },
  keyContainerRef: 'https://barbican/v1/containers/x',
  renewal: { percent: 33 },
  renewAt: t,
  renewedFrom: id(5),
  renewedBy: id(6),
  reissuedFrom: id(7),
};
const container: ContainerRecord = { ...owned, id: id(8), containerRef: 'https://b/v1/containers/x', jobId: id(2), status: 'pending' };
const eab: EabRecord = { id: 'kid', projectId: 'p1', caId: id(1), status: 'unused', expiresAt: t, grants: { wildcard: true, ttlOverMax: false }, createdBy: 'u1', createdAt: t, updatedAt: t };
const account: AcmeAccountRecord = { id: 'acct', projectId: 'p1', caId: id(1), status: 'valid', jwk: { kty: 'EC' }, thumbprint: 'tp', grants: { wildcard: false, ttlOverMax: false }, createdBy: 'acme', createdAt: t, updatedAt: t };
const order: AcmeOrderRecord = { id: 'ord', projectId: 'p1', caId: id(1), accountId: 'acct', status: 'pending', identifiers: [{ type: 'dns', value: 'a.example.org' }], authorizationIds: ['az'], expires: t, profile: 'default', createdAt: t, updatedAt: t };
const authz: AcmeAuthzRecord = {
  id: 'az',
  projectId: 'p1',
  caId: id(1),
  accountId: 'acct',
  orderId: 'ord',
  identifier: { type: 'dns', value: 'a.example.org' },
  wildcard: false,
  status: 'valid',
  expires: '2999-01-01T00:00:00Z',
  challenges: [],
  validation: { status: 'valid', type: 'http-01', at: t },
  createdAt: t,
  updatedAt: t,
};

const parses = (schema: { safeParse: (v: unknown) => { success: boolean; error?: unknown } }, value: unknown) => {
  const r = schema.safeParse(value);
  expect(r.success, JSON.stringify(r.error)).toBe(true);
};

describe('the views answer what the document says', () => {
  it('CAs, jobs, certificates, containers', () => {
    for (const c of [ca, activeCa]) parses(answers.Ca, caView(c, BASE));
    for (const j of [job, { ...job, reason: undefined, result: undefined }]) parses(answers.Job, jobView(j, BASE));
    parses(answers.Certificate, certificateView(cert, BASE));
    parses(answers.Certificate, certificateView(issued, BASE, 'CHAIN'));
    parses(answers.Container, containerView(container, BASE));
    parses(answers.Container, containerView({ ...container, status: 'active', name: 'web', certificatePem: 'P', chainPem: ['C'], subject: 'CN=x', sans: ['DNS:x'], serial: '1', notBefore: t, notAfter: t, keyType: 'EC-P256' }, BASE));
  });

  it('profiles: the built-in one and one with every field', () => {
    parses(answers.ProfileAnswer, profileView(DEFAULT_PROFILE));
    const full = Profile.parse({ name: 'web', allowed_domains: ['.example.org'], allowed_ip_ranges: ['10.0.0.0/8'], key_usages: ['digitalSignature'], default_ttl: 3600 });
    parses(answers.ProfileAnswer, profileView(full));
  });

  it('ACME objects as the project API shows them', () => {
    const now = new Date(t);
    parses(answers.EabKey, eabView(eab, now));
    parses(answers.NewEabKey, { ...eabView(eab, now), hmac_key: 'k', directory_url: `${BASE}/d` });
    parses(answers.AcmeAccount, accountApiView(account));
    parses(answers.AcmeAccount, accountApiView({ ...account, contact: ['mailto:a@example.org'], eabKid: 'kid' }));
    parses(answers.AcmeOrder, orderApiView(order, [authz], now));
    const { authorizations: _a, ...summary } = orderApiView(order, [authz], now);
    parses(answers.AcmeOrderSummary, summary);
  });

  it('a field a view gains without its schema fails', () => {
    expect(answers.Ca.safeParse({ ...caView(ca, BASE), extra: 1 }).success).toBe(false);
  });
});
