import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { JwsVerifier, looksLikeJws, mayRevoke, type KeystoneJwsClaims } from '../../../lib/auth/index.js';

const keystoneKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rotatedKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof keystoneKey) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const NOW = 1_800_000_000;

/** A token shaped like keystone/token/providers/jws/core.py writes them. */
const token = (key = keystoneKey, claims: Record<string, unknown> = {}) =>
  new SignJWT({ sub: 'u1', iat: NOW - 60, exp: NOW + 3600, openstack_methods: ['password'], openstack_audit_ids: ['aud1'], openstack_project_id: 'p1', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .sign(key.privateKey);

const dir = mkdtempSync(join(tmpdir(), 'jws-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JwsVerifier', () => {
  const verifier = new JwsVerifier({ pems: pem(keystoneKey) }, () => NOW * 1000);

  it('reads the claims of a token Keystone signed', async () => {
    const claims = await verifier.verify(await token());
    expect(claims).toMatchObject({ userId: 'u1', projectId: 'p1', auditIds: ['aud1'], methods: ['password'], delegated: false });
    expect(claims.expiresAt.getTime()).toBe((NOW + 3600) * 1000);
  });

  it('refuses another key, an expired token, alg none and a changed payload', async () => {
    await expect(verifier.verify(await token(rotatedKey))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(verifier.verify(await token(keystoneKey, { exp: NOW - 1 }))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1"}').toString('base64url')}.`;
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const [h, , s] = (await token()).split('.');
    const other = Buffer.from(JSON.stringify({ sub: 'admin', iat: NOW, exp: NOW + 60, openstack_methods: [], openstack_audit_ids: [] })).toString('base64url');
    await expect(verifier.verify(`${h}.${other}.${s}`)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('marks trust and application-credential tokens as delegated (their roles are not the user’s)', async () => {
    expect((await verifier.verify(await token(keystoneKey, { openstack_trust_id: 't' }))).delegated).toBe(true);
    expect((await verifier.verify(await token(keystoneKey, { openstack_app_cred_id: 'a' }))).delegated).toBe(true);
  });

  it('follows the key repository as Keystone rotates keys', async () => {
    writeFileSync(join(dir, '1.pem'), pem(keystoneKey));
    let clock = NOW * 1000;
    const fromDir = new JwsVerifier({ dir }, () => clock);
    await expect(fromDir.verify(await token(rotatedKey))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    writeFileSync(join(dir, '2.pem'), pem(rotatedKey));
    // The repository is looked at again after a second, not on every token.
    await expect(fromDir.verify(await token(rotatedKey))).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    clock += 1500;
    expect((await fromDir.verify(await token(rotatedKey))).userId).toBe('u1');
    expect((await fromDir.verify(await token(keystoneKey))).userId).toBe('u1');
  });

  it('tells JWS tokens from Fernet ones', async () => {
    expect(looksLikeJws(await token())).toBe(true);
    expect(looksLikeJws('gAAAAABlZ3x7Vt1y_FernetTokenLooksLikeThis-without-dots')).toBe(false);
    expect(looksLikeJws('a.b.c')).toBe(false);
  });
});

describe('mayRevoke (Keystone revocation event matching)', () => {
  const claims: KeystoneJwsClaims = {
    userId: 'u1', projectId: 'p1', auditIds: ['aud1', 'parent'], methods: ['password'],
    issuedAt: new Date('2026-11-23T10:00:00Z'), expiresAt: new Date('2026-11-23T11:00:00Z'), delegated: false,
  };
  const ctx = { roleIds: ['r-member'], userDomainId: 'default', projectDomainId: 'default' };
  it.each([
    [{ audit_id: 'aud1' }, true],
    [{ audit_id: 'other' }, false],
    [{ audit_chain_id: 'parent' }, true],
    [{ user_id: 'u1', issued_before: '2026-11-23T10:30:00Z' }, true],
    [{ user_id: 'u1', issued_before: '2026-11-23T09:00:00Z' }, false],
    [{ user_id: 'u2' }, false],
    [{ project_id: 'p1' }, true],
    [{ project_id: 'p2' }, false],
    [{ role_id: 'r-member', user_id: 'u1' }, true],
    [{ role_id: 'r-admin' }, false],
    [{ domain_id: 'default' }, true],
    [{ domain_id: 'other' }, false],
    [{ trust_id: 't1' }, false],
    [{ user_id: 'u1', expires_at: '2026-11-23T11:00:00Z' }, true],
    [{ user_id: 'u1', expires_at: '2026-11-23T12:00:00Z' }, false],
  ])('%j → %s', (event, expected) => {
    expect(mayRevoke(event, claims, ctx)).toBe(expected);
  });
});
