// Differential test: the DEVELOPMENT-ONLY Barbican's request bodies checks (dev/barbicanValidators.ts) against Barbican 15's
// own validators (barbican.common.validators, run as api.load_body runs them). Skipped where Debian's
// python3-barbican is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevOpenStack, type DevOpenStack } from '../../../dev/openstack.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = fileURLToPath(new URL('./barbican_validator_oracle.py', import.meta.url));
const available = spawnSync(PYTHON, ['-c', 'import barbican.common.validators, barbican.api'], { stdio: 'ignore' }).status === 0;

type Validator = 'Container' | 'ContainerSecret' | 'SecretMetadata' | 'SecretMetadatum' | 'ACL';
type Verdict = { ok: unknown } | { status: number; description: string };

let os: DevOpenStack;
let bb: string;
let alice: string;
beforeAll(async () => {
  os = await startDevOpenStack({ keystonePort: 0, barbicanPort: 0 });
  bb = os.barbicanUrl;
  alice = os.keystone.issueToken('alice', 'tenant-a');
});
afterAll(() => os?.close());

async function call(method: string, path: string, json?: unknown) {
  const res = await fetch(path.startsWith('http') ? path : `${bb}${path}`, {
    method,
    headers: { 'X-Auth-Token': alice, 'Content-Type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
const newSecret = async () => (await call('POST', '/v1/secrets', { payload: randomBytes(8).toString('base64'), payload_content_type: 'application/octet-stream', payload_content_encoding: 'base64' })).json.secret_ref as string;

/**
 * Asynchronously: a spawnSync of several seconds froze the dev Barbican's event loop past its 5 s
 * keep-alive timeout, and the next fetch went out on the socket the server then closed (ECONNRESET).
 */
async function oracle(cases: { validator: Validator; body: unknown }[]): Promise<Verdict[]> {
  const child = spawn(PYTHON, [ORACLE, bb], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  child.stdin.end(JSON.stringify(cases));
  expect(await status, stderr).toBe(0);
  return JSON.parse(stdout) as Verdict[];
}

/** Sends each body to the route that validates it; refusals must be Barbican's, word for word. */
async function compare(validator: Validator, bodies: unknown[], send: (body: unknown) => Promise<{ status: number; json: any }>, accepted: (body: unknown, ok: unknown, got: { status: number; json: any }) => void | Promise<void>) {
  const verdicts = await oracle(bodies.map((body) => ({ validator, body })));
  for (const [i, body] of bodies.entries()) {
    const v = verdicts[i];
    const got = await send(body);
    if ('ok' in v) {
      expect(got.status, `${validator} ${JSON.stringify(body)}: ${JSON.stringify(got.json)}`).not.toBe(400);
      await accepted(body, v.ok, got);
    } else {
      expect({ status: got.status, description: got.json?.description }, `${validator} ${JSON.stringify(body)}`).toEqual(v);
    }
  }
}

const values: unknown[] = [null, 5, 1.5, true, 'x', '', '  padded  ', 'y'.repeat(255), 'y'.repeat(256), 'é'.repeat(255), [], ['x'], {}, { a: 1 }];

// Without Debian's python3-barbican the oracle is missing: skipped on a developer's machine, required in CI.
// Each test waits for a Python import of Barbican and a few hundred requests: 2-4 s on an idle machine, ten times
// that on a busy one (over 20 s seen with both cores loaded), so each has 3 minutes.
describe.skipIf(!available && process.env.CI_REQUIRE_ALL !== '1')('dev barbican bodies = Barbican 15 validators', { timeout: 180_000 }, () => {
  it('containers', async () => {
    const [s1, s2, s3] = [await newSecret(), await newSecret(), await newSecret()];
    const bodies: unknown[] = [[], 'x', null, {}, { type: 'generic', extra: 1 }, { type: 'dsa' }, { type: 'certificate' }, { type: 'certificate', secret_refs: [] }];
    for (const v of values) bodies.push({ type: v }, { type: 'generic', name: v }, { name: v }, { type: 'generic', secret_refs: v }, { type: 'generic', secret_refs: [v] });
    for (const v of values) bodies.push({ type: 'generic', secret_refs: [{ name: v, secret_ref: s1 }] }, { type: 'generic', secret_refs: [{ name: 'a', secret_ref: v }] }, { type: v, name: v, secret_refs: [{ name: v }] });
    const ref = (name: string | null | undefined, secret_ref: string) => (name === undefined ? { secret_ref } : { name, secret_ref });
    const NAMES = [undefined, null, '', 'certificate', 'private_key', 'private_key_passphrase', 'intermediates', 'public_key', 'other'];
    for (const type of ['generic', 'rsa', 'certificate'])
      for (const a of NAMES) {
        bodies.push({ type, secret_refs: [ref(a, s1)] });
        for (const b of NAMES) bodies.push({ type, secret_refs: [ref(a, s1), ref(b, s2)] }, { type, secret_refs: [ref(a, s1), ref(b, s1)] });
      }
    bodies.push(
      { type: 'certificate', secret_refs: [ref('certificate', s1), ref('private_key', s2), ref('intermediates', s3)] },
      { type: 'certificate', secret_refs: [ref('certificate', s1.replace(bb, 'http://barbican.example.org'))] },
      { type: 'certificate', secret_refs: [ref('certificate', `${s1}/`)] },
      { type: 'generic', secret_refs: [ref('a', s1.slice(s1.lastIndexOf('/') + 1))] },
      { type: 'generic', name: 'x', secret_refs: [{ name: 5 }, 'x'] },
    );
    await compare(
      'Container',
      bodies,
      (body) => call('POST', '/v1/containers', body),
      (_body, _ok, got) => {
        expect([201, 404]).toContain(got.status);
      },
    );
  });

  it('a container secret', async () => {
    const s = await newSecret();
    const { container_ref } = (await call('POST', '/v1/containers', { type: 'generic' })).json;
    const bodies: unknown[] = [[], {}, { secret_ref: s }, { name: 'a', secret_ref: s }, { name: 'a', secret_ref: s, extra: 1 }];
    for (const v of values) bodies.push({ name: v, secret_ref: s }, { name: 'b', secret_ref: v }, { name: v });
    await compare(
      'ContainerSecret',
      bodies,
      (body) => call('POST', `${container_ref}/secrets`, body),
      (_body, _ok, got) => {
        expect([201, 404, 409]).toContain(got.status);
      },
    );
  });

  it('secret user metadata (PUT) and one metadatum (POST), keys lower-cased alike', async () => {
    const bodies: unknown[] = [[], {}, 'x', { metadata: {} }, { metadata: {}, extra: 1 }, { metadata: { a: 'b' }, other: {} }];
    for (const v of values) bodies.push({ metadata: v }, { metadata: { key: v } });
    for (const k of ['a', 'A', 'Ab-c_D', '123', '', 'a b', 'a/b', 'é', 'a.b', 'abc\n', 'UPPER'])
      bodies.push({ metadata: { [k]: 'v' } }, { metadata: { [k]: ' v ', [k.toLowerCase()]: 'w' } }, { metadata: { [k.toLowerCase()]: 'w', [k]: 'v' } });
    bodies.push({ metadata: { B: '1', a: '2', b: '3', A: '4', '9': '5' } });
    const secret = await newSecret();
    await compare(
      'SecretMetadata',
      bodies,
      (body) => call('PUT', `${secret}/metadata`, body),
      async (_body, ok, got) => {
        expect(got.status).toBe(201);
        expect((await call('GET', `${secret}/metadata`)).json).toEqual({ metadata: ok });
      },
    );

    // One unexpected property at most: jsonschema lists several in a set's order, which varies with Python's hash seed.
    const items: unknown[] = [[], {}, { key: 'a' }, { value: 'v' }, { key: 'a', value: 'v', x: 1 }, { key: 'k'.repeat(256) }, { key: 5, value: 'x'.repeat(300) }];
    for (const v of values) items.push({ key: v, value: 'v' }, { key: 'k', value: v }, { key: v, value: v });
    for (const k of ['A', 'Ab-c_D', '', 'a b', 'é', 'abc\n', ' padded ']) items.push({ key: k, value: ' v ' });
    await compare(
      'SecretMetadatum',
      items,
      async (body) => call('POST', `${await newSecret()}/metadata`, body),
      (_body, ok, got) => {
        expect(got.status).toBe(201);
        expect(got.json).toEqual(ok);
      },
    );
  });

  it('ACLs', async () => {
    const secret = await newSecret();
    const bodies: unknown[] = [[], {}, 'x', { read: {} }, { write: {} }, { read: {}, write: {} }, { read: { users: ['a'], 'project-access': false, other: 1 } }];
    for (const v of values) bodies.push({ read: v }, { read: { users: v } }, { read: { 'project-access': v } }, { read: { users: [v] } }, { read: { users: ['a', v] } });
    await compare(
      'ACL',
      bodies,
      (body) => call('PUT', `${secret}/acl`, body),
      (_body, _ok, got) => {
        expect(got.status).toBe(200);
      },
    );
  });
});
