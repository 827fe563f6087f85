import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, AUTH_URL, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { tempDir } from '../support/openssl.js';

/**
 * Server-side keys (the Octavia certificate generator) against the real Barbican: the worker makes
 * the key, and it exists only in a Barbican certificate container the requester alone can read.
 */
const BARBICAN = process.env.BARBICAN_URL!;
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let admin: string;
let alice: string;
let bob: string;
let ca: any;

const barbican = (token: string, path: string, accept = 'application/json') => fetch(`${BARBICAN}${path}`, { headers: { 'X-Auth-Token': token, Accept: accept } });
const pathOf = (ref: string) => new URL(ref).pathname;

beforeAll(async () => {
  [admin, alice, bob] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a'), keystoneToken('bob', 'bpass2', 'tenant-b')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Octavia Root' } });
  expect(AUTH_URL).toMatch(/:5000\/v3$/);
});

describe('server-side keys', () => {
  let cert: any;
  let answers = '';

  it('issues a certificate whose key goes only into a Barbican container', async () => {
    await api('PUT', `/v1/cas/${ca.id}/profiles/octavia`, { token: admin, body: { allow_any_name: true, cn_must_be_object_id: true } });
    const objectId = crypto.randomUUID();
    const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { sans: ['DNS:lb.example.org'], key_type: 'EC-P256', profile: 'octavia', object_id: objectId } });
    expect(res.status).toBe(202);
    const job = await waitForJob(alice, res.body.job.id, 60_000);
    expect(job.status, job.reason).toBe('succeeded');
    const got = await api('GET', `/v1/certificates/${res.body.certificate.id}`, { token: alice });
    cert = got.body.certificate;
    answers = JSON.stringify([res.body, job, got.body]);
    expect(cert).toMatchObject({ status: 'issued', key_location: 'barbican' });
    expect(cert.container_ref).toMatch(/\/v1\/containers\/[0-9a-f-]{36}$/);
    expect(new X509Certificate(cert.certificate).subject).toBe(`CN=${objectId}`);
  });

  it('the requester reads the key from Barbican with their own token, and it is the certificate’s', async () => {
    const container = (await (await barbican(alice, pathOf(cert.container_ref))).json()) as any;
    expect(container.type).toBe('certificate');
    const refs = Object.fromEntries(container.secret_refs.map((r: any) => [r.name, r.secret_ref]));
    expect(Object.keys(refs).sort()).toEqual(['certificate', 'intermediates', 'private_key']);
    const keyRes = await barbican(alice, `${pathOf(refs.private_key)}/payload`, 'text/plain');
    expect(keyRes.status).toBe(200);
    const key = createPrivateKey(await keyRes.text());
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(new X509Certificate(cert.certificate).publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  it('another tenant cannot read it', async () => {
    expect((await barbican(bob, pathOf(cert.container_ref))).status).toBe(403);
    const container = (await (await barbican(alice, pathOf(cert.container_ref))).json()) as any;
    const keyRef = container.secret_refs.find((r: any) => r.name === 'private_key').secret_ref;
    expect((await barbican(bob, `${pathOf(keyRef)}/payload`, 'text/plain')).status).toBe(403);
  });

  it('the key is in no answer, store item or log', async () => {
    expect(answers).not.toContain('PRIVATE KEY');
    const scan = await new DynamoDBClient({}).send(new ScanCommand({ TableName: process.env.TABLE_NAME ?? 'openstack-ca-local' }));
    expect(JSON.stringify(scan.Items)).not.toContain('PRIVATE KEY');
    if (process.env.STACK_LOG) expect(readFileSync(process.env.STACK_LOG, 'utf8')).not.toContain('PRIVATE KEY');
  });
});
