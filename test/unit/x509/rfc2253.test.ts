import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { nameToRfc2253, readCertificate } from '../../../lib/x509/index.js';
import { openssl, tempDir } from '../../support/openssl.js';

/** The issuer DN as mod_ssl writes SSL_CLIENT_I_DN (what Keystone compares remote_ids with), checked against openssl's own rfc2253 output. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());

function certWith(subject: string, multi = false): string {
  const key = join(tmp.dir, `${Math.random()}.key`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  return openssl(['req', '-x509', '-new', '-key', key, '-utf8', '-subj', subject, '-days', '1', ...(multi ? ['-multivalue-rdn'] : [])]);
}

const ours = (pem: string) => nameToRfc2253(readCertificate(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')).subjectDer);
const theirs = (pem: string) => openssl(['x509', '-noout', '-subject', '-nameopt', 'rfc2253'], pem).replace(/\n$/, '').replace(/^subject=/, '');

describe('nameToRfc2253', () => {
  it('writes what openssl -nameopt rfc2253 writes: reversed RDNs, short names, escapes, UTF-8 bytes as \\XX', () => {
    const subjects = [
      '/C=US/O=Example Cloud/OU=login CA 6f1c2a4e-0000-4000-8000-000000000000/CN=Keystone Login CA',
      '/CN=alice/UID=a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5',
      '/O=Comma\\, Plus+ "Quote" <x>;/CN=#hash leading',
      '/O=Ünïcödé Cloud/CN=Bücher CA',
      '/CN= spaced ',
      '/C=DE/ST=Berlin/L=Berlin/O=a=b/CN=x',
    ];
    for (const s of subjects) {
      const pem = certWith(s);
      expect(ours(pem), s).toBe(theirs(pem));
    }
  });

  it('joins a multi-valued RDN with +', () => {
    const pem = certWith('/O=Example/CN=a+UID=b', true);
    expect(ours(pem)).toBe(theirs(pem));
    expect(ours(pem)).toMatch(/\+/);
  });
});
