// The DEVELOPMENT-ONLY Barbican's secret list (dev/barbicanSecrets.ts) as Barbican 15's SecretsController.on_get and
// SecretRepo.get_secret_list answer: clean_paging_values, the name unquoted once more and matched with LIKE, `sort`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';

let os: DevOpenStack;
let token: string;

beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  token = os.keystone.issueToken('bob', 'tenant-b');
  for (const [name, bits] of [['sort-b', 256], ['sort-a', 384], ['sort-c', 256], ['sort d', 128]] as const) {
    const res = await fetch(`${os.barbicanUrl}/v1/secrets`, { method: 'POST', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify({ name, payload: 'x', payload_content_type: 'text/plain', bit_length: bits }) });
    expect(res.status).toBe(201);
  }
});
afterAll(() => os?.close());

const list = async (query: string) => {
  const res = await fetch(`${os.barbicanUrl}/v1/secrets?${query}`, { headers: { 'X-Auth-Token': token } });
  return { status: res.status, body: (await res.json()) as { secrets: { name: string }[]; total: number; next?: string } };
};
const names = async (query: string) => (await list(query)).body.secrets?.map((s) => s.name);

describe('dev barbican: listing secrets', () => {
  it('pages as clean_paging_values: limit 0 is 1, an unreadable one the default 10', async () => {
    expect(await names('name=sort-%25&limit=0')).toHaveLength(1);
    expect((await list('name=sort-%25&limit=0')).body.next).toBe(`${os.barbicanUrl}/v1/secrets?limit=1&offset=1`);
    expect(await names('name=sort-%25&limit=x')).toHaveLength(3);
    expect(await names('name=sort-%25&limit=1_0&offset=1')).toEqual(['sort-a', 'sort-c']);
  });

  it('sorts by the allowed keys, asc by default; other keys or directions are a 400', async () => {
    expect(await names('name=sort-%25&sort=name')).toEqual(['sort-a', 'sort-b', 'sort-c']);
    expect(await names('name=sort-%25&sort=bit_length:desc,name:desc')).toEqual(['sort-a', 'sort-c', 'sort-b']);
    expect(await names('name=sort-%25&sort=created:asc')).toEqual(['sort-b', 'sort-a', 'sort-c']);
    for (const bad of ['id', 'name:up', 'name,name', 'name:asc:x']) expect((await list(`sort=${encodeURIComponent(bad)}`)).status, bad).toBe(400);
  });

  it('unquotes the name once more, as on_get does: a + that reached it is a space, a lone % stays', async () => {
    expect(await names(`name=${encodeURIComponent('sort+d')}`)).toEqual(['sort d']);
    expect(await names(`name=${encodeURIComponent('sort-%')}`)).toHaveLength(3);
  });
});
