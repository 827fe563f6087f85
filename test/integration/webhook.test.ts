import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../lib/notify/index.js';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

/** Events reach the project's webhook, EventBridge-shaped and HMAC-signed; failures are retried. */
const tmp = tempDir();
interface Delivery {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}
const received: Delivery[] = [];
let failNext = 0;
let receiver: Server;
let hookUrl: string;
let admin: string;
let alice: string;
let ca: any;
let secret: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      received.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  [admin, alice] = await Promise.all([keystoneToken('admin', 'secret', 'tenant-a'), keystoneToken('alice', 'apass', 'tenant-a')]);
  ca = await createActiveCa(admin, { subject: { CN: 'Webhook Root' } });
});
afterAll(() => {
  receiver.close();
  tmp.cleanup();
});

async function waitForDelivery(match: (d: Delivery) => boolean, ms = 20_000): Promise<Delivery> {
  const until = Date.now() + ms;
  for (;;) {
    const hit = received.find(match);
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`no matching delivery in ${ms} ms; got ${received.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function issue(cn: string) {
  const { csr } = makeCsr(tmp.dir, 'ec256', cn, [`DNS:${cn}`]);
  const res = await api('POST', `/v1/cas/${ca.id}/certificates`, { token: alice, body: { csr } });
  await waitForJob(alice, res.body.job.id);
  return res.body.certificate.id as string;
}

describe('webhooks', () => {
  it('are set by admins; the secret is shown once, never again', async () => {
    expect((await api('PUT', '/v1/webhook', { token: alice, body: { url: hookUrl } })).body.error.code).toBe('POLICY_DENIED:ca:webhook:update');
    expect((await api('PUT', '/v1/webhook', { token: admin, body: { url: 'http://10.0.0.1/hook' } })).body.error.code).toBe('BODY_INVALID');
    const res = await api('PUT', '/v1/webhook', { token: admin, body: { url: hookUrl } });
    expect(res.status).toBe(201);
    secret = res.body.secret;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const got = await api('GET', '/v1/webhook', { token: alice });
    expect(got.body.webhook.url).toBe(hookUrl);
    expect(JSON.stringify(got.body)).not.toContain(secret);
  });

  it('delivers "Certificate Issued" and "Certificate Revoked", signed with the project secret', async () => {
    const id = await issue('hooked.example.org');
    const issued = await waitForDelivery((d) => JSON.parse(d.body).detail?.object?.id === id && JSON.parse(d.body)['detail-type'] === 'Certificate Issued');
    const envelope = JSON.parse(issued.body);
    expect(envelope).toMatchObject({ version: '0', source: 'openstack.ca', 'detail-type': 'Certificate Issued', detail: { action: 'certificate.issued' } });
    expect(envelope.resources[0]).toContain(`certificate/${id}`);
    expect(verifyWebhookSignature(secret, String(issued.headers['x-ca-signature']), issued.body)).toBe(true);
    expect(verifyWebhookSignature('another secret that is long enough!!', String(issued.headers['x-ca-signature']), issued.body)).toBe(false);
    expect(issued.headers['x-ca-event-id']).toBe(envelope.id);

    await api('POST', `/v1/certificates/${id}/revoke`, { token: alice, body: { reason: 'superseded' } });
    const revoked = await waitForDelivery((d) => JSON.parse(d.body)['detail-type'] === 'Certificate Revoked' && JSON.parse(d.body).detail?.object?.id === id);
    expect(verifyWebhookSignature(secret, String(revoked.headers['x-ca-signature']), revoked.body)).toBe(true);
  });

  it('retries a receiver that fails for a while', async () => {
    failNext = 2;
    const id = await issue('retried.example.org');
    const d = await waitForDelivery((x) => JSON.parse(x.body).detail?.object?.id === id);
    expect(failNext).toBe(0);
    expect(verifyWebhookSignature(secret, String(d.headers['x-ca-signature']), d.body)).toBe(true);
  });

  it('stops when deleted', async () => {
    expect((await api('DELETE', '/v1/webhook', { token: admin })).status).toBe(204);
    expect((await api('GET', '/v1/webhook', { token: admin })).body.error.code).toBe('WEBHOOK_NOT_FOUND');
  });
});
