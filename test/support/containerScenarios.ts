import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, AUTH_URL, keystoneToken, waitForJob } from './api.js';
import { makeOpensslChain, tempDir, type OpensslChain } from './openssl.js';

/**
 * Tenant-supplied certificate containers (the Octavia certificate manager), with two tenants: registration,
 * validation, and the confused deputy. The same scenarios run against a real Barbican (test/openstack) and
 * against the development one of the local stack (test/integration): only where Barbican is and who the
 * service user is differ.
 */
export interface ContainerScenarioTarget {
  /** Barbican's base URL (no /v1), as a tenant holding `token` finds it. */
  barbicanUrl(token: string): Promise<string>;
  /** The Keystone user id of the CA worker's service user (the one tenants grant ACLs to). */
  serviceUserId(): Promise<string>;
}

const OWNER_TAG = 'openstack-ca-project';

interface Tenant {
  token: string;
  projectId: string;
}

async function tenant(user: string, password: string, project: string): Promise<Tenant> {
  const token = await keystoneToken(user, password, project);
  const res = await fetch(`${AUTH_URL}/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  return { token, projectId: ((await res.json()) as any).token.project.id };
}

const idOf = (ref: string) => new URL(ref).pathname;

export function containerScenarios(target: ContainerScenarioTarget): void {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  let alice: Tenant;
  let bob: Tenant;
  let barbicanUrl: string;
  let serviceUserId: string;
  let chain: OpensslChain;

  async function barbican(t: Tenant, method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${barbicanUrl}${path}`, {
      method,
      headers: { 'X-Auth-Token': t.token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  /** What a tenant does, as the README says: store, make a container, grant the ACL, tag ownership. */
  async function makeContainer(owner: Tenant, parts: Record<string, { payload: string; type: string }>, opts: { acl?: boolean; tagFor?: string } = {}): Promise<string> {
    const refs: { name: string; secret_ref: string }[] = [];
    for (const [name, { payload, type }] of Object.entries(parts)) {
      const { secret_ref } = await barbican(owner, 'POST', '/v1/secrets', { name, payload, payload_content_type: 'text/plain', secret_type: type });
      refs.push({ name, secret_ref });
      if (opts.tagFor) await barbican(owner, 'PUT', `${idOf(secret_ref)}/metadata`, { metadata: { [OWNER_TAG]: opts.tagFor } });
      if (opts.acl !== false) await barbican(owner, 'PUT', `${idOf(secret_ref)}/acl`, { read: { users: [serviceUserId], 'project-access': true } });
    }
    const { container_ref } = await barbican(owner, 'POST', '/v1/containers', { type: 'certificate', name: 'tls', secret_refs: refs });
    if (opts.acl !== false) await barbican(owner, 'PUT', `${idOf(container_ref)}/acl`, { read: { users: [serviceUserId], 'project-access': true } });
    return container_ref;
  }

  const goodParts = () => ({
    certificate: { payload: chain.leafPem, type: 'certificate' },
    private_key: { payload: chain.leafKeyPem, type: 'private' },
    intermediates: { payload: chain.intermediatePem + chain.rootPem, type: 'certificate' },
  });

  async function register(t: Tenant, containerRef: string): Promise<{ job: any; container: any }> {
    const res = await api('POST', '/v1/containers', { token: t.token, body: { container_ref: containerRef, name: 'web' } });
    expect(res.status).toBe(202);
    const job = await waitForJob(t.token, res.body.job.id, 60_000);
    // The worker settles the container before the job, so a finished job means a settled container.
    const got = await api('GET', `/v1/containers/${res.body.container.id}`, { token: t.token });
    return { job, container: got.body.container };
  }

  beforeAll(async () => {
    [alice, bob] = await Promise.all([tenant('alice', 'apass', 'tenant-a'), tenant('bob', 'bpass2', 'tenant-b')]);
    [barbicanUrl, serviceUserId] = await Promise.all([target.barbicanUrl(alice.token), target.serviceUserId()]);
    chain = makeOpensslChain(tmp.dir, 'lb.example.org');
  });

  describe('registering a tenant’s own certificate container', () => {
    it('validates certificate, key and chain in the worker and keeps only the public parts', async () => {
      const ref = await makeContainer(alice, goodParts(), { tagFor: alice.projectId });
      const { job, container } = await register(alice, ref);
      expect(job.status).toBe('succeeded');
      expect(container).toMatchObject({ status: 'active', container_ref: ref, sans: ['DNS:lb.example.org'], key_type: 'ec' });
      expect(container.certificate).toBe(chain.leafPem.trim());
      expect(container.chain).toHaveLength(2);
      expect(JSON.stringify(container)).not.toContain('PRIVATE KEY');
      const scan = await new DynamoDBClient({}).send(new ScanCommand({ TableName: process.env.TABLE_NAME ?? 'openstack-ca-local' }));
      expect(JSON.stringify(scan.Items)).not.toContain('PRIVATE KEY');
    });

    it('decrypts a key with the passphrase secret of the container', async () => {
      const enc = makeOpensslChain(tmp.dir, 'enc.example.org', 'pass phrase');
      const ref = await makeContainer(
        alice,
        { certificate: { payload: enc.leafPem, type: 'certificate' }, private_key: { payload: enc.leafKeyPem, type: 'private' }, private_key_passphrase: { payload: 'pass phrase', type: 'passphrase' } },
        { tagFor: alice.projectId },
      );
      const { job, container } = await register(alice, ref);
      expect(job.status).toBe('succeeded');
      expect(container.sans).toEqual(['DNS:enc.example.org']);
    });

    it('refuses a key that does not match: the job fails with the reason, the object is in error', async () => {
      const ref = await makeContainer(alice, { ...goodParts(), private_key: { payload: chain.otherKeyPem, type: 'private' } }, { tagFor: alice.projectId });
      const { job, container } = await register(alice, ref);
      expect(job.status).toBe('failed');
      expect(job.reason).toMatch(/^BUNDLE_KEY_MISMATCH/);
      expect(container.status).toBe('error');
      expect(container.failure_reason).toMatch(/does not belong to the certificate/);
    });

    it('names the broken link of a chain that does not verify', async () => {
      const other = makeOpensslChain(tmp.dir, 'other.example.org');
      const ref = await makeContainer(alice, { ...goodParts(), intermediates: { payload: other.intermediatePem, type: 'certificate' } }, { tagFor: alice.projectId });
      const { job } = await register(alice, ref);
      expect(job.reason).toMatch(/^BUNDLE_CHAIN_INVALID: .*lb\.example\.org.* is not signed by/);
    });

    it('says how to grant access when the service user has no ACL', async () => {
      const ref = await makeContainer(alice, goodParts(), { acl: false, tagFor: alice.projectId });
      const { job } = await register(alice, ref);
      expect(job.status).toBe('failed');
      expect(job.reason).toMatch(/^SECRET_NOT_READABLE: .*Barbican ACL/);
    });

    it('hides one tenant’s registered container from another (404)', async () => {
      const ref = await makeContainer(alice, goodParts(), { tagFor: alice.projectId });
      const res = await api('POST', '/v1/containers', { token: alice.token, body: { container_ref: ref } });
      const other = await api('GET', `/v1/containers/${res.body.container.id}`, { token: bob.token });
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('CONTAINER_NOT_FOUND');
    });
  });

  describe('confused deputy: a project may use only Barbican secrets it owns', () => {
    let bobsRef: string;
    beforeAll(async () => {
      // Bob shares his container with the service user, for his own project, as the README says.
      bobsRef = await makeContainer(bob, goodParts(), { tagFor: bob.projectId });
    });

    it('the service user really can read Bob’s secrets (the ACL is there)', async () => {
      const { container } = await register(bob, bobsRef);
      expect(container.status).toBe('active');
    });

    it('refuses Alice’s registration of Bob’s container although the ACL lets the service user read it', async () => {
      const { job, container } = await register(alice, bobsRef);
      expect(job.status).toBe('failed');
      expect(job.reason).toMatch(/^SECRET_NOT_OWNED/);
      expect(container.status).toBe('error');
      expect(container.certificate).toBeNull();
      const refused = await api('GET', `/v1/events?action=job.failed&limit=50`, { token: alice.token });
      expect(refused.body.events.some((e: any) => e.object?.id === job.id && /SECRET_NOT_OWNED/.test(e.reason))).toBe(true);
    });

    it('refuses a container whose secrets carry no owner tag, even the caller’s own', async () => {
      const ref = await makeContainer(alice, goodParts());
      const { job } = await register(alice, ref);
      expect(job.reason).toMatch(/^SECRET_NOT_OWNED/);
    });

    it('cannot be worked around: Alice cannot tag Bob’s secret for her project', async () => {
      const container = await barbican(bob, 'GET', idOf(bobsRef));
      const keyRef = container.secret_refs.find((r: any) => r.name === 'private_key').secret_ref;
      await expect(barbican(alice, 'PUT', `${idOf(keyRef)}/metadata`, { metadata: { [OWNER_TAG]: alice.projectId } })).rejects.toThrow(/: 403/);
    });
  });
}
