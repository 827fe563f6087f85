import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl, type CsrKey } from './openssl.js';

/**
 * Fixtures for Keystone user certificates, made by the openssl CLI (not our code): a login CA, a
 * forged CA with the same DN and another key, user certificates, and the JWS a machine signs with
 * its certificate's key (x5c), as lib/enroll/certificateJws.ts expects it.
 */

const KEYGEN: Record<'ec256' | 'ec384' | 'rsa2048' | 'ed25519', string[]> = {
  ec256: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ed25519: ['-algorithm', 'ED25519'],
};

export interface Pem {
  pem: string;
  keyPem: string;
  keyPath: string;
  certPath: string;
}

export const LOGIN_CA_SUBJECT = '/C=US/O=Example Cloud/OU=login CA 3b1f/CN=Keystone Login CA';

export function makeCa(dir: string, name: string, subject = LOGIN_CA_SUBJECT): Pem {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  openssl(['genpkey', ...KEYGEN.ec256, '-out', keyPath]);
  openssl(['req', '-x509', '-new', '-key', keyPath, '-subj', subject, '-days', '30', '-out', certPath, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { pem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), keyPath, certPath };
}

export interface UserCertOptions {
  uid?: string | null;
  eku?: 'clientAuth' | 'serverAuth';
  key?: keyof typeof KEYGEN;
  days?: number;
}

/** A user certificate CN=<name>[, UID=<uid>] signed by `ca`. */
export function makeUserCert(dir: string, ca: Pem, name: string, opts: UserCertOptions = {}): Pem {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  const keyPath = join(dir, `${id}.key`);
  const certPath = join(dir, `${id}.pem`);
  const ext = join(dir, `${id}.cnf`);
  writeFileSync(ext, `[u]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=${opts.eku ?? 'clientAuth'}\n`);
  openssl(['genpkey', ...KEYGEN[opts.key ?? 'ec256'], '-out', keyPath]);
  const uid = opts.uid === null ? '' : `/UID=${opts.uid ?? 'u-' + name}`;
  const csr = openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${name}${uid}`]);
  writeFileSync(certPath, openssl(['x509', '-req', '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', `0x${randomUUID().replace(/-/g, '').slice(0, 16)}`, '-days', String(opts.days ?? 1), '-extfile', ext, '-extensions', 'u'], csr));
  return { pem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), keyPath, certPath };
}

/** A key and CSR for a new machine (`openssl req`), and its SHA-256 as the approver signs it. */
export function machineCsr(dir: string, key: CsrKey = 'ec256'): { csr: string; keyPath: string; sha256: string } {
  const keyPath = join(dir, `machine-${randomUUID().slice(0, 8)}.key`);
  openssl(['genpkey', ...(KEYGEN[key as keyof typeof KEYGEN] ?? KEYGEN.ec256), '-out', keyPath]);
  const csr = openssl(['req', '-new', '-key', keyPath, '-subj', '/CN=ignored by the RA']);
  return { csr, keyPath, sha256: csrSha256Of(csr) };
}

export const csrSha256Of = (csrPem: string) => createHash('sha256').update(Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('base64url');

const b64u = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** The algorithm a key signs with, as the machine would choose it. */
function algFor(keyPem: string): string {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
}

/** A compact JWS with x5c = the certificate, signed with its key (or as `header` overrides say). */
export function signWithCertificate(certPem: string, keyPem: string, typ: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const alg = (header.alg as string | undefined) ?? algFor(keyPem);
  const h = { alg, typ, x5c: [new X509Certificate(certPem).raw.toString('base64')], ...header };
  const input = `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(claims))}`;
  const key = createPrivateKey(keyPem);
  const hash = alg === 'EdDSA' ? null : alg.endsWith('384') ? 'sha384' : 'sha256';
  const sig = alg === 'none' ? Buffer.alloc(0) : sign(hash, Buffer.from(input), { key, ...(key.asymmetricKeyType === 'ec' ? { dsaEncoding: 'ieee-p1363' as const } : {}) });
  return `${input}.${b64u(sig)}`;
}

/** Claims of a fresh request for `purpose`, valid for two minutes from `now`. */
export function freshClaims(purpose: 'enroll-machine' | 'enroll-approval' | 'renew', now = Date.now(), extra: Record<string, unknown> = {}) {
  const iat = Math.floor(now / 1000);
  return { aud: `openstack-ca:${purpose}`, iat, exp: iat + 120, jti: randomUUID(), ...extra };
}
