import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { sanNames, startChallTestSrv, type ChallTestSrv, type Eab } from '../support/acmeClients.js';
import { certbotHttp01, legoRun } from '../support/acmeRunners.js';

/**
 * Run on a stack that refuses a share of valid nonces (ACME_NONCE_REJECT_PERCENT, as Pebble's
 * PEBBLE_WFE_NONCEREJECT; package.json starts it so): clients that retry a badNonce with the fresh
 * nonce of the error still get their certificates. dehydrated never retries, so it is not here.
 */
let srv: ChallTestSrv;
let admin: string;
let ca: { id: string };
const work = mkdtempSync(join(tmpdir(), 'acme-nonce-'));

beforeAll(async () => {
  expect(Number(process.env.ACME_NONCE_REJECT_PERCENT), 'this suite needs the nonce-reject setting on').toBeGreaterThan(0);
  srv = await startChallTestSrv();
  admin = await keystoneToken('admin', 'secret', 'tenant-a');
  ca = await createActiveCa(admin, { subject: { CN: 'Nonce Reject Root' }, key_type: 'EC-P256', validity_days: 30 });
});
afterAll(async () => {
  await srv?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function eab(): Promise<{ directory: string; eab: Eab }> {
  const res = await api('POST', `/v1/cas/${ca.id}/acme/eab-keys`, { token: admin, body: {} });
  expect(res.status).toBe(201);
  return { directory: res.body.eab_key.directory_url, eab: { kid: res.body.eab_key.kid, hmacKey: res.body.eab_key.hmac_key } };
}

describe('badNonce retries against a server that refuses every fifth valid nonce', () => {
  it('refuses some valid nonces as badNonce, every answer with a fresh Replay-Nonce', async () => {
    const { directory } = await eab();
    const dir = (await (await fetch(directory)).json()) as { newNonce: string };
    let refused = 0;
    // Nonces are refused in turn; some of ten fresh ones must be, each answered with a new nonce.
    for (let i = 0; i < 10; i++) {
      const nonce = (await fetch(dir.newNonce, { method: 'HEAD' })).headers.get('replay-nonce')!;
      const res = await fetch(dir.newNonce.replace('new-nonce', 'new-account'), { method: 'POST', headers: { 'Content-Type': 'application/jose+json' }, body: JSON.stringify({ protected: Buffer.from(JSON.stringify({ alg: 'ES256', nonce, url: 'x', kid: 'x' })).toString('base64url'), payload: '', signature: 'AA' }) });
      const problem = (await res.json()) as { type: string };
      if (problem.type === 'urn:ietf:params:acme:error:badNonce') refused++;
      expect(res.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('acme-client, certbot and lego each still get a certificate', async () => {
    const a = await eab();
    const client = new acme.Client({ directoryUrl: a.directory, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: { kid: a.eab.kid, hmacKey: a.eab.hmacKey }, backoffMin: 100, backoffMax: 500, backoffAttempts: 40 });
    await client.createAccount({ termsOfServiceAgreed: true });
    const [, csr] = await acme.crypto.createCsr({ altNames: ['nonce1.acme.test'] });
    const pem = await client.auto({
      csr,
      challengePriority: ['dns-01'],
      // acme-client would look the TXT record up in the system's DNS; the validator asks challtestsrv.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, _c, keyAuthorization) => srv.setTxt(`_acme-challenge.${authz.identifier.value}`, keyAuthorization),
      challengeRemoveFn: async (authz) => srv.clearTxt(`_acme-challenge.${authz.identifier.value}`),
    });
    expect(pem).toContain('BEGIN CERTIFICATE');

    const c = await eab();
    const certbot = await certbotHttp01({ ...c, workDir: join(work, 'certbot'), domains: ['nonce2.acme.test'] });
    expect(sanNames(readFileSync(certbot.certPath, 'utf8'))).toEqual(['nonce2.acme.test']);

    const l = await eab();
    const lego = await legoRun({ ...l, workDir: join(work, 'lego'), domains: ['nonce3.acme.test'], challenge: 'http-01' });
    expect(sanNames(readFileSync(lego.certPath, 'utf8'))).toEqual(['nonce3.acme.test']);
  }, 180_000);
});
