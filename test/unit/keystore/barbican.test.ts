import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';
import { BarbicanClient, loadServiceCredentials, ServiceSession } from '../../../lib/keystore/index.js';

/**
 * The worker finds its secrets by name (GET /v1/secrets?name=&limit=&offset=, as Barbican 15 lists
 * them: SQL LIKE on the name, the whole project whoever made each secret, at most 100 a page, a
 * `next` link without the name): only its own, exactly that name, across pages.
 */
let os: DevOpenStack;
let worker: BarbicanClient;

beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  const session = new ServiceSession(() => loadServiceCredentials({ OS_AUTH_URL: os.keystoneUrl, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'cwpass' }));
  worker = new BarbicanClient(session, os.barbicanUrl);
});
afterAll(() => os?.close());

const storeAs = async (token: string, name: string) => {
  const res = await fetch(`${os.barbicanUrl}/v1/secrets`, { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ name, payload: 'x', payload_content_type: 'text/plain' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { secret_ref: string }).secret_ref;
};

describe('BarbicanClient.ownSecretsNamed', () => {
  it("pages past Barbican's 100 and keeps only the exact name (LIKE's _ matches any character)", async () => {
    const token = os.keystone.issueToken('caworker', 'service');
    const mine = [];
    for (let i = 0; i < 103; i++) mine.push(await storeAs(token, 'ca-key/p_1/ca'));
    await storeAs(token, 'ca-key/pX1/ca');
    await storeAs(token, 'ca-key/p_1/ca.g1');
    expect((await worker.ownSecretsNamed('ca-key/p_1/ca')).map((s) => s.secret_ref)).toEqual(mine);
  });

  it("leaves out the service project's secrets another user made, and other projects' secrets", async () => {
    await storeAs(os.keystone.issueToken('barbican', 'service'), 'cert/p2/c/private_key');
    await storeAs(os.keystone.issueToken('alice', 'tenant-a'), 'cert/p2/c/private_key');
    expect(await worker.ownSecretsNamed('cert/p2/c/private_key')).toEqual([]);
    const own = await storeAs(os.keystone.issueToken('caworker', 'service'), 'cert/p2/c/private_key');
    expect((await worker.ownSecretsNamed('cert/p2/c/private_key')).map((s) => s.secret_ref)).toEqual([own]);
  });
});
