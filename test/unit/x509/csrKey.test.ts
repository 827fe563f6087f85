import { createHash, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleCsr } from '../../../lib/x509/csrBuilder.js';
import { bitString, nullValue, octetString, oid, sequence, set, smallInteger, tlv, unsignedInteger, utf8String } from '../../../lib/x509/derWriter.js';
import { parseCsr, signatureAlgorithmFor, toPem } from '../../../lib/x509/index.js';
import { OID } from '../../../lib/x509/oids.js';
import { openssl, tempDir } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const modulus = Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }).n!, 'base64url');
const subject = sequence(set(sequence(oid(OID.commonName), utf8String('forged.example.org'))));
const rsaSpki = (e: Buffer) => sequence(sequence(oid(OID.rsaEncryption), nullValue()), bitString(sequence(unsignedInteger(modulus), unsignedInteger(e))));
const info = (spki: Buffer) => sequence(smallInteger(0), subject, spki, tlv(0xa0));

/** EMSA-PKCS1-v1_5 (RFC 8017 9.2) of `message` with SHA-256, as long as the modulus. */
function emsaPkcs1(message: Buffer): Buffer {
  const digestInfo = sequence(sequence(oid('2.16.840.1.101.3.4.2.1'), nullValue()), octetString(createHash('sha256').update(message).digest()));
  return Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(modulus.length - digestInfo.length - 3, 0xff), Buffer.from([0x00]), digestInfo]);
}

describe('RSA public exponents in CSRs (Baseline Requirements 6.1.6)', () => {
  it('refuses e=1, with which a CSR made without any private key verifies', () => {
    // s^1 mod n = s: the encoded digest itself is a valid "signature".
    const tbs = info(rsaSpki(Buffer.from([1])));
    const pem = toPem(assembleCsr(tbs, signatureAlgorithmFor('RSA-2048'), emsaPkcs1(tbs)), 'CERTIFICATE REQUEST');
    // openssl agrees that the self-signature verifies (it exits non-zero when one does not): the key proves nothing.
    expect(() => openssl(['req', '-verify', '-noout'], pem)).not.toThrow();
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_KEY_UNSUPPORTED', status: 400, message: expect.stringMatching(/exponent 1\b.*Baseline Requirements \(6\.1\.6\).*at least 65537/) }));
  });

  it('refuses e=3 (openssl genpkey rsa_keygen_pubexp:3)', () => {
    const keyPath = join(tmp.dir, 'e3.key');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_keygen_pubexp:3', '-out', keyPath]);
    const pem = openssl(['req', '-new', '-key', keyPath, '-subj', '/CN=e3.example.org']);
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_KEY_UNSUPPORTED', status: 400, details: { public_exponent: '3' } }));
  });

  it('refuses an even exponent, before looking at the signature', () => {
    const tbs = info(rsaSpki(Buffer.from([0x01, 0x00, 0x02])));
    const pem = toPem(assembleCsr(tbs, signatureAlgorithmFor('RSA-2048'), Buffer.alloc(256, 1)), 'CERTIFICATE REQUEST');
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_KEY_UNSUPPORTED', details: { public_exponent: '65538' } }));
  });

  it('takes 65537 and larger odd exponents', () => {
    for (const exp of ['65537', '65539']) {
      const keyPath = join(tmp.dir, `e${exp}.key`);
      openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', `rsa_keygen_pubexp:${exp}`, '-out', keyPath]);
      expect(parseCsr(openssl(['req', '-new', '-key', keyPath, '-subj', '/CN=ok.example.org'])).keyType).toBe('RSA-2048');
    }
  });
});
