import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCertificateJws, type CertificateJwsPurpose } from '../../../lib/enroll/index.js';
import { AppError } from '../../../lib/errors/index.js';
import { tempDir } from '../../support/openssl.js';
import { freshClaims, makeCa, makeUserCert, signWithCertificate, type Pem } from '../../support/userCerts.js';

/** Every refusal of a request signed with a user certificate's key (the recipe's approval-jws.mjs cases, and more). */

const { dir, cleanup } = tempDir();
let ca: Pem;
let forged: Pem;
let alice: Pem;
beforeAll(() => {
  ca = makeCa(dir, 'login');
  // The same subject DN, another key: what a remote_id (a DN string) alone cannot tell apart.
  forged = makeCa(dir, 'forged');
  alice = makeUserCert(dir, ca, 'alice', { uid: 'alice-id' });
});
afterAll(cleanup);

const TYP = { 'enroll-machine': 'enroll-machine+jwt', 'enroll-approval': 'enroll-approval+jwt', renew: 'renew+jwt' } as const;
const now = () => new Date();
const verify = (jws: string, purpose: CertificateJwsPurpose = 'renew', at = now()) => verifyCertificateJws(jws, purpose, [ca.pem], at);
const good = (purpose: CertificateJwsPurpose = 'renew', cert = alice, claims = freshClaims(purpose)) => signWithCertificate(cert.pem, cert.keyPem, TYP[purpose], claims);

function refusal(f: () => unknown): { code: string; status: number } {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, status: e.status };
    throw e;
  }
  throw new Error('accepted');
}

describe('a request signed with a user certificate (JWS with x5c)', () => {
  it('is accepted from the CA’s own certificate, with its key: the user and serial are the certificate’s', () => {
    for (const purpose of ['enroll-machine', 'enroll-approval', 'renew'] as const) {
      const v = verify(good(purpose), purpose);
      expect(v.userId).toBe('alice-id');
      expect(v.userName).toBe('alice');
      expect(v.serial).toMatch(/^[0-9a-f]+$/);
    }
  });

  it('accepts RSA, P-384 and Ed25519 certificate keys with their own algorithm', () => {
    for (const key of ['rsa2048', 'ec384', 'ed25519'] as const) {
      const cert = makeUserCert(dir, ca, `k-${key}`, { key });
      expect(verify(good('renew', cert)).userName).toBe(`k-${key}`);
    }
  });

  it('refuses a certificate of a forged CA with the same DN', () => {
    const mallory = makeUserCert(dir, forged, 'alice', { uid: 'alice-id' });
    expect(refusal(() => verify(good('renew', mallory)))).toEqual({ code: 'JWS_CERTIFICATE_UNTRUSTED', status: 401 });
  });

  it('refuses an expired and a not-yet-valid certificate', () => {
    const later = new Date(Date.now() + 3 * 86400_000);
    expect(refusal(() => verify(good('renew', alice, freshClaims('renew', later.getTime())), 'renew', later))).toEqual({ code: 'JWS_CERTIFICATE_NOT_VALID', status: 401 });
    const earlier = new Date(Date.now() - 86400_000);
    expect(refusal(() => verify(good('renew', alice, freshClaims('renew', earlier.getTime())), 'renew', earlier))).toEqual({ code: 'JWS_CERTIFICATE_NOT_VALID', status: 401 });
  });

  it('refuses a serverAuth-only certificate and one without a UID', () => {
    expect(refusal(() => verify(good('renew', makeUserCert(dir, ca, 'server', { eku: 'serverAuth' }))))).toEqual({ code: 'JWS_CERTIFICATE_NOT_CLIENT_AUTH', status: 401 });
    expect(refusal(() => verify(good('renew', makeUserCert(dir, ca, 'nouid', { uid: null }))))).toEqual({ code: 'JWS_CERTIFICATE_UNTRUSTED', status: 401 });
  });

  it('refuses a signature by another key, and a payload swapped under a valid signature', () => {
    const bob = makeUserCert(dir, ca, 'bob');
    expect(refusal(() => verify(signWithCertificate(alice.pem, bob.keyPem, 'renew+jwt', freshClaims('renew'))))).toEqual({ code: 'JWS_SIGNATURE_INVALID', status: 401 });
    const [h, , s] = good().split('.');
    const other = Buffer.from(JSON.stringify({ ...freshClaims('renew'), csr_sha256: 'x' })).toString('base64url');
    expect(refusal(() => verify(`${h}.${other}.${s}`))).toEqual({ code: 'JWS_SIGNATURE_INVALID', status: 401 });
  });

  it('refuses alg none, HS256 (even keyed with the certificate) and an algorithm that does not fit the key', () => {
    const claims = Buffer.from(JSON.stringify(freshClaims('renew'))).toString('base64url');
    const x5c = [Buffer.from(alice.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64')];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'renew+jwt', x5c })).toString('base64url')}.${claims}.`;
    expect(refusal(() => verify(none))).toEqual({ code: 'JWS_ALGORITHM_REFUSED', status: 401 });
    const hsHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'renew+jwt', x5c })).toString('base64url');
    const hs = createHmac('sha256', alice.pem).update(`${hsHeader}.${claims}`).digest('base64url');
    expect(refusal(() => verify(`${hsHeader}.${claims}.${hs}`))).toEqual({ code: 'JWS_ALGORITHM_REFUSED', status: 401 });
    // An EC key's signature labelled RS256: the key does not fit the algorithm.
    const [, p, s] = good().split('.');
    const rs = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'renew+jwt', x5c })).toString('base64url');
    expect(refusal(() => verify(`${rs}.${p}.${s}`))).toEqual({ code: 'JWS_SIGNATURE_INVALID', status: 401 });
  });

  it('refuses a JWS made for another step (typ and aud name the purpose)', () => {
    expect(refusal(() => verify(good('enroll-approval'), 'renew'))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
    const wrongAud = signWithCertificate(alice.pem, alice.keyPem, 'renew+jwt', { ...freshClaims('renew'), aud: 'openstack-ca:enroll-approval' });
    expect(refusal(() => verify(wrongAud))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
  });

  it('refuses an expired JWS, one that lives longer than 5 minutes, one from the future, and one without jti', () => {
    const iat = Math.floor(Date.now() / 1000);
    const sign = (c: Record<string, unknown>) => signWithCertificate(alice.pem, alice.keyPem, 'renew+jwt', { ...freshClaims('renew'), ...c });
    expect(refusal(() => verify(sign({ iat: iat - 200, exp: iat - 10 })))).toEqual({ code: 'JWS_EXPIRED', status: 401 });
    expect(refusal(() => verify(sign({ iat, exp: iat + 3600 })))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
    expect(refusal(() => verify(sign({ iat: iat + 600, exp: iat + 700 })))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
    expect(refusal(() => verify(sign({ jti: undefined })))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
    expect(refusal(() => verify(sign({ exp: 'soon' })))).toEqual({ code: 'JWS_CLAIMS_INVALID', status: 401 });
  });

  it('answers malformed input with a 400 that says what to send', () => {
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.x.y', `${Buffer.from('[1]').toString('base64url')}.e30.`]) {
      expect(refusal(() => verify(bad))).toEqual({ code: 'JWS_MALFORMED', status: 400 });
    }
    const noX5c = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'renew+jwt' })).toString('base64url')}.e30.AA`;
    expect(refusal(() => verify(noX5c))).toEqual({ code: 'JWS_MALFORMED', status: 400 });
    const junkX5c = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'renew+jwt', x5c: ['AAAA'] })).toString('base64url')}.e30.AA`;
    expect(refusal(() => verify(junkX5c))).toEqual({ code: 'JWS_MALFORMED', status: 400 });
  });
});
