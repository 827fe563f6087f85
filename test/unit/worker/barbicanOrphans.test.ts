import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';
import { newJob } from '../../../lib/jobs/index.js';
import { BarbicanClient, CaKeyStore, KeyDelivery, loadServiceCredentials, ServiceSession } from '../../../lib/keystore/index.js';
import { activeRoot, memoryWorker, pendingCa, pendingCertificate, type MemoryWorker } from '../../support/worker.js';

/**
 * The worker stores a key in Barbican before the store records it. A worker that dies in between
 * (here: the store write after the Barbican write throws once) must leave nothing in Barbican that
 * no record references once the job is delivered again: the retry finds the secrets by name and
 * uses (a CA key) or removes (a server-side key that never reached its owner) them. Against the
 * development Barbican, as the worker's service user, with the real key stores.
 */
let os: DevOpenStack;
let serviceToken: string;

beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  serviceToken = os.keystone.issueToken('caworker', 'service');
});
afterAll(() => os?.close());

/** A memory worker whose CA keys and key deliveries go to the development Barbican. */
function barbicanWorker(): MemoryWorker & { barbican: BarbicanClient } {
  const w = memoryWorker();
  const session = new ServiceSession(() => loadServiceCredentials({ OS_AUTH_URL: os.keystoneUrl, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'cwpass' }));
  const barbican = new BarbicanClient(session, os.barbicanUrl);
  w.ctx.keys = new CaKeyStore(barbican, 0);
  w.ctx.delivery = new KeyDelivery(barbican);
  return { ...w, barbican };
}

/** Every item of a Barbican collection of the service project (GET with limit and offset). */
type Listed = { name: string; secret_ref?: string; container_ref?: string; secret_refs?: { secret_ref: string }[] };
async function listAll(collection: 'secrets' | 'containers'): Promise<Listed[]> {
  const out: Listed[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await fetch(`${os.barbicanUrl}/v1/${collection}?limit=100&offset=${offset}`, { headers: { 'X-Auth-Token': serviceToken } });
    const body = (await res.json()) as Record<string, unknown> & { total: number };
    out.push(...((body[collection] ?? []) as Listed[]));
    if (offset + 100 >= body.total) return out;
  }
}

/** Names of the secrets and containers of project P's objects that no record of `w` references. */
async function unreferenced(w: MemoryWorker, P: string): Promise<string[]> {
  const records = [...w.store.raw.values()];
  const refs = new Set(records.flatMap((r) => [r.keyRef, r.pendingKeyRef, r.keyContainerRef]).filter((r): r is string => typeof r === 'string'));
  const containers = (await listAll('containers')).filter((c) => c.name.startsWith(`cert/${P}/`));
  for (const c of containers) if (refs.has(c.container_ref!)) for (const s of c.secret_refs ?? []) refs.add(s.secret_ref);
  const secrets = (await listAll('secrets')).filter((s) => s.name.startsWith(`ca-key/${P}/`) || s.name.startsWith(`cert/${P}/`));
  return [...containers.filter((c) => !refs.has(c.container_ref!)), ...secrets.filter((s) => !refs.has(s.secret_ref!))].map((i) => i.name);
}

/** The store write whose fields `matches` throws once, as a worker that dies just before it. */
function dieOnceBefore<T extends (...args: never[]) => Promise<unknown>>(write: T, matches: (...args: Parameters<T>) => boolean): T {
  let died = false;
  return (async (...args: Parameters<T>) => {
    if (!died && matches(...args)) {
      died = true;
      throw new Error('the worker died here');
    }
    return write(...args);
  }) as T;
}

describe('no Barbican secret outlives a worker that died before recording it', () => {
  it('a CA key stored, then the worker died: the retry uses that key, no second one', async () => {
    const w = barbicanWorker();
    const P = `project-${randomUUID().slice(0, 8)}`;
    const { ca, job } = await pendingCa(w.store, P);
    w.store.cas.updateClaimed = dieOnceBefore(w.store.cas.updateClaimed, (...a) => a[3].keyRef !== undefined);
    expect(await w.run(job, 1)).toBe('retry');
    expect(await unreferenced(w, P)).toEqual([`ca-key/${P}/${ca.id}`]);
    expect(await w.run(job, 2)).toBe('succeeded');
    expect(await unreferenced(w, P)).toEqual([]);
    expect((await w.barbican.ownSecretsNamed(`ca-key/${P}/${ca.id}`)).map((s) => s.secret_ref)).toEqual([(await w.store.cas.get(P, ca.id))!.keyRef]);
  });

  it("a rotation's new key stored, then the worker died: the retry uses it", async () => {
    const w = barbicanWorker();
    const P = `project-${randomUUID().slice(0, 8)}`;
    const ca = await activeRoot(w, P);
    const job = newJob('ca.rotate', P, 'user-1', { caId: ca.id });
    await w.store.jobs.create(job);
    await w.store.cas.update(P, ca.id, { rotationJobId: job.id });
    w.store.cas.updateClaimed = dieOnceBefore(w.store.cas.updateClaimed, (...a) => a[3].pendingKeyRef !== undefined);
    expect(await w.run(job, 1)).toBe('retry');
    expect(await unreferenced(w, P)).toEqual([`ca-key/${P}/${ca.id}.g1`]);
    expect(await w.run(job, 2)).toBe('succeeded');
    // The retired generation-0 key is kept on purpose (what it signed stays revocable); only new keys are judged here.
    expect((await unreferenced(w, P)).filter((name) => name.endsWith('.g1'))).toEqual([]);
    const after = (await w.store.cas.get(P, ca.id))!;
    expect(after.keyGeneration).toBe(1);
    expect((await w.barbican.ownSecretsNamed(`ca-key/${P}/${ca.id}.g1`)).map((s) => s.secret_ref)).toEqual([after.keyRef]);
  });

  it('a server-side key delivered, then the worker died before recording it: the retry removes the container and its secrets', async () => {
    const w = barbicanWorker();
    const P = `project-${randomUUID().slice(0, 8)}`;
    const ca = await activeRoot(w, P);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb' } }, sans: ['DNS:lb.example.org'] });
    w.store.certificates.updateClaimed = dieOnceBefore(w.store.certificates.updateClaimed, (...a) => a[3].status === 'issued');
    expect(await w.run(job, 1)).toBe('retry');
    expect((await unreferenced(w, P)).sort()).toEqual([`cert/${P}/${cert.id}`, `cert/${P}/${cert.id}/certificate`, `cert/${P}/${cert.id}/intermediates`, `cert/${P}/${cert.id}/private_key`]);
    expect(await w.run(job, 2)).toBe('failed');
    expect(await unreferenced(w, P)).toEqual([]);
    expect((await w.store.certificates.get(P, cert.id))!.status).toBe('revoked');
  });

  it('a delivery that failed midway and could not clean up (Barbican refused the deletes): the retry removes what it left', async () => {
    const w = barbicanWorker();
    const P = `project-${randomUUID().slice(0, 8)}`;
    const ca = await activeRoot(w, P);
    const { cert, job } = await pendingCertificate(w.store, P, ca.id, { serverSideKey: { keyType: 'EC-P256', subject: { CN: 'lb2' } }, sans: ['DNS:lb2.example.org'] });
    const { createContainer, delete: remove } = w.barbican;
    w.barbican.createContainer = async () => Promise.reject(new Error('Barbican went away'));
    w.barbican.delete = async () => Promise.reject(new Error('Barbican went away'));
    expect(await w.run(job, 1)).toBe('retry');
    expect((await unreferenced(w, P)).sort()).toEqual([`cert/${P}/${cert.id}/certificate`, `cert/${P}/${cert.id}/intermediates`, `cert/${P}/${cert.id}/private_key`]);
    Object.assign(w.barbican, { createContainer, delete: remove });
    expect(await w.run(job, 2)).toBe('failed');
    expect(await unreferenced(w, P)).toEqual([]);
  });
});
