import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader, errors, importSPKI, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { unauthorized } from '../errors/index.js';

/**
 * Keystone's `jws` token provider: ES256-signed JWTs whose payload names the user, the scope and
 * the audit ids, but no roles. Verifying one needs only Keystone's public keys, so forged and
 * expired tokens are refused here without a network call.
 */

/** The claims Keystone writes (keystone/token/providers/jws/core.py). */
export interface KeystoneJwsClaims {
  userId: string;
  issuedAt: Date;
  expiresAt: Date;
  auditIds: string[];
  methods: string[];
  projectId?: string;
  domainId?: string;
  system?: unknown;
  /** Trust, application credential, federation or OAuth1 tokens: their roles are not the user's
   * roles on the project, so they are never served from the per-user roles cache. */
  delegated: boolean;
}

const invalid = () => unauthorized('TOKEN_INVALID', 'The X-Auth-Token is invalid or expired; get a new token from Keystone.');

/** A compact JWS with an ES256 header, which a Fernet token (base64url with no dots) never is. */
export function looksLikeJws(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    return decodeProtectedHeader(token).alg === 'ES256';
  } catch {
    return false;
  }
}

export interface JwsKeySource {
  /** PEM public keys given inline (KEYSTONE_JWS_PUBLIC_KEYS), concatenated. */
  pems?: string;
  /** Keystone's `[jwt_tokens] jws_public_key_repository`, re-read when it changes (key rotation). */
  dir?: string;
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

export class JwsVerifier {
  private keys: CryptoKey[] = [];
  private dirStamp = '';
  private dirCheckedAt = -Infinity;

  constructor(
    private readonly source: JwsKeySource,
    private readonly now: () => number = Date.now,
  ) {
    if (!source.pems && !source.dir) throw new Error('JWS verification needs KEYSTONE_JWS_PUBLIC_KEYS or KEYSTONE_JWS_PUBLIC_KEY_DIR');
  }

  private async currentKeys(): Promise<CryptoKey[]> {
    const pems: string[] = [];
    if (this.source.dir) {
      // Looking at the repository costs more than a signature check: at most once a second.
      if (this.keys.length && this.now() - this.dirCheckedAt < 1000) return this.keys;
      this.dirCheckedAt = this.now();
      const files = readdirSync(this.source.dir).sort();
      const stamp = files.map((f) => `${f}:${statSync(join(this.source.dir!, f)).mtimeMs}`).join('|');
      if (stamp === this.dirStamp && this.keys.length) return this.keys;
      for (const f of files) pems.push(...(readFileSync(join(this.source.dir, f), 'utf8').match(PEM_BLOCK) ?? []));
      this.dirStamp = stamp;
    } else if (this.keys.length) {
      return this.keys;
    }
    pems.push(...(this.source.pems?.match(PEM_BLOCK) ?? []));
    if (pems.length === 0) throw new Error('no Keystone JWS public key found');
    this.keys = await Promise.all(pems.map((pem) => importSPKI(pem, 'ES256')));
    return this.keys;
  }

  /** The token's claims, or TOKEN_INVALID if no configured key signed it or it has expired. */
  async verify(token: string): Promise<KeystoneJwsClaims> {
    // Like Keystone itself: try every public key in the repository (rotation leaves several).
    for (const key of await this.currentKeys()) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, { algorithms: ['ES256'], currentDate: new Date(this.now()), requiredClaims: ['sub', 'exp', 'iat'] }));
      } catch (e) {
        if (e instanceof errors.JWSSignatureVerificationFailed) continue;
        throw invalid();
      }
      return claimsOf(payload);
    }
    throw invalid();
  }
}

function claimsOf(p: JWTPayload): KeystoneJwsClaims {
  const methods = p.openstack_methods;
  const auditIds = p.openstack_audit_ids;
  if (!Array.isArray(methods) || !Array.isArray(auditIds) || typeof p.sub !== 'string') throw invalid();
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    userId: p.sub,
    issuedAt: new Date((p.iat as number) * 1000),
    expiresAt: new Date((p.exp as number) * 1000),
    auditIds: auditIds.map(String),
    methods: methods.map(String),
    projectId: str(p.openstack_project_id),
    domainId: str(p.openstack_domain_id),
    system: p.openstack_system,
    delegated: ['openstack_trust_id', 'openstack_app_cred_id', 'openstack_group_ids', 'openstack_access_token_id'].some((k) => p[k] !== undefined),
  };
}
