import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';
import { unavailable } from '../../../lib/errors/index.js';
import { BarbicanClient, KeyDelivery, loadServiceCredentials, ServiceSession } from '../../../lib/keystore/index.js';

/**
 * A server-side key exists only in the worker until it is delivered: a delivery that gives up on
 * a Barbican outage loses it (and its certificate is revoked). So it tries again, and what a failed
 * try left (an answer lost after Barbican stored the secret included) is removed first. Against
 * the development Barbican, as the worker's service user.
 */
let os: DevOpenStack;
let serviceToken: string;
beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  serviceToken = os.keystone.issueToken('caworker', 'service');
});
afterAll(() => os?.close());

/** A client whose store() fails as told: `lost` stores then throws (the answer lost), `down` throws before. */
function flakyBarbican(plan: Array<'ok' | 'lost' | 'down' | 'refused'>, calls = { n: 0 }, slowMs = 0) {
  const session = new ServiceSession(() => loadServiceCredentials({ OS_AUTH_URL: os.keystoneUrl, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'cwpass' }));
  const barbican = new BarbicanClient(session, os.barbicanUrl);
  const real = barbican.store.bind(barbican);
  let call = 0;
  barbican.store = async (secret) => {
    const step = plan[call++] ?? 'ok';
    calls.n++;
    if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
    if (step === 'down') throw unavailable('KEYSTORE_UNAVAILABLE', 'Barbican failed to store a secret (503)');
    if (step === 'refused') throw Object.assign(new Error('refused'), { code: 'KEYSTORE_REFUSED', status: 403 });
    const ref = await real(secret);
    if (step === 'lost') throw unavailable('KEYSTORE_UNAVAILABLE', 'Barbican could not be reached');
    return ref;
  };
  return barbican;
}

async function named(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of ['secrets', 'containers'] as const) {
    const res = await fetch(`${os.barbicanUrl}/v1/${c}?limit=100&name=${encodeURIComponent(prefix)}`, { headers: { 'X-Auth-Token': serviceToken } });
    const body = (await res.json()) as Record<string, Array<{ name: string }>>;
    out.push(...(body[c] ?? []).map((i) => i.name).filter((n) => n.startsWith(prefix)));
  }
  return out;
}
const bundle = (certificateId: string) => ({ projectId: 'p-delivery', certificateId, readerUserId: 'u1', keyPem: '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n', certificatePem: 'c', chainPem: 'chain' });

describe('key delivery', () => {
  it('tries again through an outage, and leaves only the delivered container and its three secrets (a lost answer included)', async () => {
    const id = randomUUID();
    const delivery = new KeyDelivery(flakyBarbican(['ok', 'lost', 'down']), 1);
    const ref = await delivery.deliver(bundle(id));
    expect(ref).toMatch(/\/v1\/containers\//);
    const left = await Promise.all(['certificate', 'private_key', 'intermediates'].map((p) => named(`cert/p-delivery/${id}/${p}`)));
    expect(left.map((l) => l.length)).toEqual([1, 1, 1]);
  });

  it('gives up after five tries, leaving nothing', async () => {
    const id = randomUUID();
    const delivery = new KeyDelivery(flakyBarbican(['down', 'lost', 'ok', 'down', 'down', 'down', 'ok', 'lost']), 1);
    await expect(delivery.deliver(bundle(id))).rejects.toMatchObject({ code: 'KEYSTORE_UNAVAILABLE' });
    expect(await delivery.discard('p-delivery', id)).toBe(0);
  });

  it('starts no new try once its time budget is spent (a Barbican that hangs fails the attempt, not the invocation)', async () => {
    const id = randomUUID();
    const calls = { n: 0 };
    // Each store takes at least 30 ms, the budget is 20 ms: the first failure is the last try.
    const delivery = new KeyDelivery(flakyBarbican(['down', 'down', 'down', 'down', 'down'], calls, 30), 1, 20);
    await expect(delivery.deliver(bundle(id))).rejects.toMatchObject({ code: 'KEYSTORE_UNAVAILABLE' });
    expect(calls.n).toBe(1);
    // The same outage within the default budget is tried five times.
    const patient = { n: 0 };
    await expect(new KeyDelivery(flakyBarbican(['down', 'down', 'down', 'down', 'down'], patient), 1).deliver(bundle(randomUUID()))).rejects.toMatchObject({ code: 'KEYSTORE_UNAVAILABLE' });
    expect(patient.n).toBe(5);
  });

  it('a removal that fails is tried again in the next try, and nothing a lost answer made stays', async () => {
    const id = randomUUID();
    const barbican = flakyBarbican(['lost']);
    const list = barbican.ownSecretsNamed.bind(barbican);
    let listings = 0;
    barbican.ownSecretsNamed = async (name) => {
      if (listings++ === 0) throw unavailable('KEYSTORE_UNAVAILABLE', 'Barbican failed to list secrets (503)');
      return list(name);
    };
    await new KeyDelivery(barbican, 1).deliver(bundle(id));
    const left = await Promise.all(['certificate', 'private_key', 'intermediates'].map((p) => named(`cert/p-delivery/${id}/${p}`)));
    expect(left.map((l) => l.length)).toEqual([1, 1, 1]);
    expect(listings).toBeGreaterThan(1);
  });

  it('does not try again what Barbican refused', async () => {
    const id = randomUUID();
    const barbican = flakyBarbican(['refused', 'ok']);
    await expect(new KeyDelivery(barbican, 1).deliver(bundle(id))).rejects.toMatchObject({ code: 'KEYSTORE_REFUSED' });
  });
});
