import { api, createActiveCa, keystoneToken, systemToken, waitForJob } from '../test/support/api.js';
import { createLoginCa } from '../test/support/enrollment.js';
import { makeCsr, type tempDir } from '../test/support/openssl.js';
import type { PathFixtures } from './bodies.js';

/**
 * What the fuzzers need on the stack: tokens of the development Keystone's users, and objects to
 * aim at. The body fuzz works in the `admin` project (its admin); the CSR and ACME fuzz in
 * `tenant-a`, so the body fuzz's webhooks, rotations and revocations never touch them, and
 * tenant-a's ids are "another project's" to the body fuzz.
 */
export interface Fixtures {
  tokens: Record<string, string>;
  body: PathFixtures;
  /** The CA the CSR fuzz issues from (tenant-a), with the token that may. */
  csrCaId: string;
  /** Machine-less enrollments of one user, with their one-time passwords: the redeem path of the CSR fuzz. */
  redeem: { id: string; otp: string }[];
  eab: () => Promise<{ kid: string; hmac_key: string; directory_url: string }>;
  /** A login CA (for the normal issuance check of the end too). */
  loginCaId: string;
}

/** The user and project a token is for, as the token's own validation says. */
async function whoAmI(token: string): Promise<{ userId: string; projectId?: string }> {
  const res = await fetch(`${process.env.OS_AUTH_URL}/auth/tokens?nocatalog`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  if (res.status !== 200) throw new Error(`token validation: ${res.status}`);
  const t = ((await res.json()) as { token: { user: { id: string }; project?: { id: string } } }).token;
  return { userId: t.user.id, projectId: t.project?.id };
}

async function ok<T>(what: string, p: Promise<{ status: number; body: T }>, status: number): Promise<T> {
  const res = await p;
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function setUp(tmp: ReturnType<typeof tempDir>): Promise<Fixtures> {
  const [admin, tenantAdmin, system, alice, bob, carol, dave] = await Promise.all([
    keystoneToken('admin', 'secret', 'admin'),
    keystoneToken('admin', 'secret', 'tenant-a'),
    systemToken('admin', 'secret'),
    keystoneToken('alice', 'apass', 'tenant-a'),
    keystoneToken('bob', 'bpass2', 'tenant-b'),
    keystoneToken('carol', 'cpass3', 'tenant-a'),
    keystoneToken('dave', 'dpass4'),
  ]);
  const [me, tenant, bobId, carolId, daveId] = await Promise.all([whoAmI(admin), whoAmI(alice), whoAmI(bob), whoAmI(carol), whoAmI(dave)]);
  const [bodyCa, csrCa, loginCa] = await Promise.all([
    createActiveCa(admin, { subject: { CN: 'Fuzz Body Root' }, key_type: 'EC-P256', validity_days: 30 }),
    createActiveCa(tenantAdmin, { subject: { CN: 'Fuzz CSR Root' }, key_type: 'EC-P256', validity_days: 30 }),
    createLoginCa(system, { name: 'Fuzz Login CA' }),
  ]);
  const csr = makeCsr(tmp.dir, 'ec256', 'body.fuzz.example.org', ['DNS:body.fuzz.example.org']).csr;
  const issued = await ok<{ certificate: { id: string }; job: { id: string } }>('issue', api('POST', `/v1/cas/${bodyCa.id}/certificates`, { token: admin, body: { csr } }), 202);
  await waitForJob(admin, issued.job.id);
  const enroll = (userId: string) => ok<{ enrollment: { id: string }; one_time_password: string }>('enrollment', api('POST', `/v1/login-cas/${loginCa.id}/enrollments`, { token: system, body: { user_id: userId } }), 201);
  const bodyEnrollment = await enroll(carolId.userId);
  const redeem = [];
  for (let i = 0; i < 3; i++) {
    const e = await enroll(daveId.userId);
    redeem.push({ id: e.enrollment.id, otp: e.one_time_password });
  }
  const eab = () => ok<{ eab_key: { kid: string; hmac_key: string; directory_url: string } }>('EAB key', api('POST', `/v1/cas/${csrCa.id}/acme/eab-keys`, { token: alice, body: {} }), 201).then((b) => b.eab_key);
  return {
    tokens: { admin, system, csr: alice, other: bob, reader: carol, bad: 'gAAAAABfuzz-not-a-keystone-token', none: '' },
    body: {
      projectId: me.projectId!,
      otherProjectId: tenant.projectId!,
      ids: { cas: bodyCa.id, certificates: issued.certificate.id, jobs: issued.job.id, 'login-cas': loginCa.id, enrollments: bodyEnrollment.enrollment.id },
      otherCaId: csrCa.id,
      revokableUserId: bobId.userId,
      csrPem: csr,
      caCertPem: bodyCa.certificate,
      barbicanUrl: process.env.BARBICAN_URL || 'http://127.0.0.1:9311',
      loginCaId: loginCa.id,
      userId: carolId.userId,
      jws: 'eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln',
    },
    csrCaId: csrCa.id,
    redeem,
    eab,
    loginCaId: loginCa.id,
  };
}
