import { afterAll, describe, expect, it } from 'vitest';
import { validateCertificateBundle } from '../../../lib/x509/index.js';
import { makeOpensslChain, tempDir } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const chain = makeOpensslChain(tmp.dir, 'svc.example.org');
const encrypted = makeOpensslChain(tmp.dir, 'enc.example.org', 'correct horse');
const b = (s: string) => Buffer.from(s);
const now = new Date();

describe('validateCertificateBundle (certificate containers tenants register)', () => {
  it('accepts a leaf, its key and the intermediates up to the root, and keeps only public parts', () => {
    const v = validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem), intermediates: b(chain.intermediatePem + chain.rootPem) }, now);
    expect(v.sans).toEqual(['DNS:svc.example.org']);
    expect(v.chainPem).toHaveLength(2);
    expect(v.subject).toContain('CN=svc.example.org');
    expect(v.keyType).toBe('ec');
    expect(JSON.stringify(v)).not.toContain('PRIVATE KEY');
  });

  it('accepts a chain without its root, and a chain appended to the certificate itself', () => {
    expect(validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem), intermediates: b(chain.intermediatePem) }, now).chainPem).toHaveLength(1);
    expect(validateCertificateBundle({ certificate: b(chain.leafPem + chain.intermediatePem), privateKey: b(chain.leafKeyPem) }, now).chainPem).toHaveLength(1);
  });

  it('refuses a key that is not the certificate’s', () => {
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.otherKeyPem) }, now)).toThrow(expect.objectContaining({ code: 'BUNDLE_KEY_MISMATCH', status: 400 }));
  });

  it('decrypts an encrypted key with the passphrase, and says so when it is missing or wrong', () => {
    const base = { certificate: b(encrypted.leafPem), privateKey: b(encrypted.leafKeyPem) };
    expect(validateCertificateBundle({ ...base, passphrase: b('correct horse') }, now).sans).toEqual(['DNS:enc.example.org']);
    expect(() => validateCertificateBundle({ ...base, passphrase: b('wrong') }, now)).toThrow(expect.objectContaining({ code: 'BUNDLE_PASSPHRASE_INVALID' }));
    expect(() => validateCertificateBundle(base, now)).toThrow(expect.objectContaining({ code: 'BUNDLE_PASSPHRASE_INVALID' }));
  });

  it('names the broken link of a chain out of order or from another CA', () => {
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem), intermediates: b(chain.rootPem + chain.intermediatePem) }, now)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_CHAIN_INVALID', details: { link: 1 } }),
    );
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem), intermediates: b(encrypted.intermediatePem) }, now)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_CHAIN_INVALID' }),
    );
  });

  it('refuses expired and not-yet-valid certificates', () => {
    const later = new Date(Date.now() + 11 * 86_400_000);
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem) }, later)).toThrow(expect.objectContaining({ code: 'BUNDLE_EXPIRED' }));
    const earlier = new Date(Date.now() - 86_400_000);
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b(chain.leafKeyPem) }, earlier)).toThrow(expect.objectContaining({ code: 'BUNDLE_NOT_YET_VALID' }));
  });

  it('refuses what is not a certificate or not a key', () => {
    expect(() => validateCertificateBundle({ certificate: b('hello'), privateKey: b(chain.leafKeyPem) }, now)).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
    expect(() => validateCertificateBundle({ certificate: b(chain.leafPem), privateKey: b('not a key') }, now)).toThrow(expect.objectContaining({ code: 'BUNDLE_INVALID' }));
  });
});
