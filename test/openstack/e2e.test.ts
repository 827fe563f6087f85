import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keystoneAuthenticator } from '../../lib/auth/index.js';
import { loadServiceCredentials, ServiceSession } from '../../lib/keystore/index.js';
import { cas } from '../../lib/store/index.js';
import { api, AUTH_URL, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir, verifyChain } from '../support/openssl.js';

/** End to end against the real Keystone and Barbican that scripts/openstack-up.sh starts. */
process.env.TABLE_NAME ??= 'openstack-ca-local';
const BARBICAN = process.env.BARBICAN_URL!;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

let admin: string;
let adminProject: string;
let ca: any;

async function projectOf(token: string): Promise<string> {
  const res = await fetch(`${AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  return ((await res.json()) as any).token.project.id;
}

beforeAll(async () => {
  expect(AUTH_URL).toMatch(/:5000\/v3$/);
  admin = await keystoneToken('admin', 'secret', 'admin');
  adminProject = await projectOf(admin);
  ca = await createActiveCa(admin, { subject: { CN: 'Real OpenStack Root', O: 'E2E' }, key_type: 'EC-P384' });
});

describe('with a real Keystone', () => {
  it('validates a real token by itself and learns user, project and roles', async () => {
    const alice = await keystoneToken('alice', 'apass', 'tenant-a');
    const creds = await keystoneAuthenticator({ authUrl: AUTH_URL, timeoutMs: 5000, cacheMaxEntries: 10, cacheMaxSeconds: 60 })(alice);
    expect(creds.userName).toBe('alice');
    expect(creds.projectName).toBe('tenant-a');
    expect(creds.roles.sort()).toEqual(['creator', 'member', 'reader']);
    expect(creds.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('answers 401 for a token Keystone does not know and 404 across projects', async () => {
    expect((await api('GET', '/v1/cas', { token: 'gAAAAABnot-a-token' })).status).toBe(401);
    const bob = await keystoneToken('bob', 'bpass2', 'tenant-b');
    const res = await api('GET', `/v1/cas/${ca.id}`, { token: bob });
    expect(res.status).toBe(404);
  });

  it('the worker finds Barbican in the Keystone catalog as its service user', async () => {
    const session = new ServiceSession(() => loadServiceCredentials(process.env));
    expect(await session.endpoint('key-manager')).toBe(BARBICAN);
    expect((await session.token()).token).toMatch(/^gAAAAA/);
  });
});

describe('with a real Barbican', () => {
  it('keeps the CA key in Barbican, readable by the worker, matching the CA certificate', async () => {
    const record = await cas.get(adminProject, ca.id);
    expect(record?.keyRef).toMatch(new RegExp(`^${BARBICAN}/v1/secrets/[0-9a-f-]{36}$`));
    const worker = await keystoneToken('caworker', 'cwpass', 'service');
    const meta = await fetch(record!.keyRef!, { headers: { 'X-Auth-Token': worker, Accept: 'application/json' } });
    expect(meta.status).toBe(200);
    expect(((await meta.json()) as any).name).toBe(`ca-key/${adminProject}/${ca.id}`);
    const payload = await fetch(`${record!.keyRef}/payload`, { headers: { 'X-Auth-Token': worker, Accept: 'application/octet-stream' } });
    expect(payload.status).toBe(200);
    const der = Buffer.from(await payload.arrayBuffer());
    const pub = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    expect(pub.equals(new X509Certificate(ca.certificate).publicKey)).toBe(true);

    // ...and nowhere in the store.
    const scan = await new DynamoDBClient({}).send(new ScanCommand({ TableName: process.env.TABLE_NAME }));
    const everything = JSON.stringify(scan.Items);
    expect(everything).not.toContain(der.toString('base64').slice(20, 80));
    expect(everything).not.toContain(der.toString('hex').slice(40, 160));
    expect(everything).not.toMatch(/PRIVATE KEY/);
  });

  it('a tenant cannot read the CA key, even with its reference', async () => {
    const record = await cas.get(adminProject, ca.id);
    const alice = await keystoneToken('alice', 'apass', 'tenant-a');
    const res = await fetch(`${record!.keyRef}/payload`, { headers: { 'X-Auth-Token': alice, Accept: 'application/octet-stream' } });
    expect(res.status).toBe(403);
  });

  for (const key of ['rsa2048', 'ec256'] as const) {
    it(`issues for a ${key} CSR with the key fetched back from Barbican; openssl verifies`, async () => {
      const { csr } = makeCsr(tmp.dir, key, `${key}.e2e.example.org`, [`DNS:${key}.e2e.example.org`]);
      const submitted = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: admin, body: { csr, sans: ['IP:198.51.100.4'] } });
      expect(submitted.status).toBe(202);
      expect((await waitForJob(admin, submitted.body.job.id)).status).toBe('succeeded');
      const { body } = await api('GET', `/v1/certificates/${submitted.body.certificate.id}`, { token: admin });
      expect(verifyChain(tmp.dir, body.certificate.chain, body.certificate.certificate)).toContain('OK');
      expect(new X509Certificate(body.certificate.certificate).subjectAltName).toBe(`IP Address:198.51.100.4, DNS:${key}.e2e.example.org`);
    });
  }
});

