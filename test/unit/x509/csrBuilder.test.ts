import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleCsr, buildCsrInfo } from '../../../lib/x509/csrBuilder.js';
import { encodeName, parseCsr, signatureAlgorithmFor, toPem, type KeyType } from '../../../lib/x509/index.js';
import { ExternalPki, ourCaCsr } from '../../support/externalCa.js';
import { openssl, tempDir } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const pki = new ExternalPki(tmp.dir);
const root = pki.root('CSR Test Root');
const subject = { CN: 'Tenant Issuing CA', O: 'Tenant' };

/**
 * `openssl req -verify`: true when the self-signature verifies. OpenSSL 3.0 exits 0 even on a
 * failed verification, so its verdict is read from what it prints.
 */
function reqVerifies(csrPath: string): boolean {
  const r = spawnSync('openssl', ['req', '-verify', '-noout', '-in', csrPath], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const ok = r.status === 0 && /verify OK|self-signature ok/i.test(out) && !/fail/i.test(out);
  if (!ok && !/verify failure/i.test(out)) throw new Error(`openssl req -verify said something unexpected: ${out}`);
  return ok;
}

function writeCsr(pem: string): string {
  const p = join(tmp.dir, `csr-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(p, pem);
  return p;
}

const KEY_TYPES: KeyType[] = ['RSA-2048', 'EC-P256', 'EC-P384', 'Ed25519'];

describe('buildCsrInfo / assembleCsr', () => {
  it.each(KEY_TYPES)('%s: openssl verifies the request, reads subject and extensions, and `openssl ca` makes a CA of it', (keyType) => {
    const ours = ourCaCsr(tmp.dir, subject, keyType, { basicConstraintsCa: true, pathLen: 0 });

    expect(reqVerifies(ours.csrPath)).toBe(true);

    const text = openssl(['req', '-noout', '-text', '-in', ours.csrPath]);
    expect(text).toMatch(/Subject: O\s*=\s*Tenant, CN\s*=\s*Tenant Issuing CA/);
    expect(text).toMatch(/Requested Extensions:\s+X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\s+X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\s/);

    // Our own parser reads it back and checks the signature over the exact bytes.
    const parsed = parseCsr(ours.csrPem);
    expect(parsed.subjectDer.equals(encodeName(subject))).toBe(true);
    expect(parsed.spkiDer.equals(ours.spkiDer)).toBe(true);
    expect(parsed.keyType).toBe(keyType);
    expect(parsed.signatureAlgorithm).toBe(signatureAlgorithmFor(keyType).name);

    // The tenant's external CA signs it, taking the CA extensions from the request.
    const issued = pki.issue(root, { csrPath: ours.csrPath, via: 'ca', copyExtensions: true, ext: ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'] });
    expect(issued.pem).toMatch(/^Certificate:/); // `openssl ca` writes the text dump before the PEM block
    const cert = new X509Certificate(issued.pem.slice(issued.pem.indexOf('-----BEGIN')));
    expect(cert.ca).toBe(true);
    expect(cert.publicKey.equals(ours.publicKey)).toBe(true);
    expect(cert.subject).toBe('O=Tenant\nCN=Tenant Issuing CA');
    const certText = openssl(['x509', '-noout', '-text', '-in', issued.certPath]);
    expect(certText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(certText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(openssl(['verify', '-x509_strict', '-CAfile', root.certPath, issued.certPath])).toMatch(/: OK/);
  });

  it('works with `openssl x509 -req -copy_extensions copy`, without a pathLen', () => {
    const ours = ourCaCsr(tmp.dir, { CN: 'No Path Len CA' }, 'EC-P256', { basicConstraintsCa: true });
    const issued = pki.issue(root, { csrPath: ours.csrPath, copyExtensions: true, ext: ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'] });
    const text = openssl(['x509', '-noout', '-text', '-in', issued.certPath]);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\s/);
    expect(text).not.toMatch(/pathlen/);
    expect(openssl(['verify', '-x509_strict', '-CAfile', root.certPath, issued.certPath])).toMatch(/: OK/);
  });

  it('without extensions: an empty attribute set, no extension request', () => {
    const ours = ourCaCsr(tmp.dir, { CN: 'Plain' }, 'EC-P256', {});
    const info = buildCsrInfo({ subjectDer: encodeName({ CN: 'Plain' }), spkiDer: ours.spkiDer });
    expect(info.subarray(-2)).toEqual(Buffer.from([0xa0, 0x00]));
    expect(reqVerifies(ours.csrPath)).toBe(true);
    const text = openssl(['req', '-noout', '-text', '-in', ours.csrPath]);
    // OpenSSL prints an empty "Requested Extensions:" heading for every request without attributes.
    expect(text).toMatch(/Attributes:\s+\(none\)/);
    expect(text).not.toMatch(/X509v3/);
    expect(parseCsr(ours.csrPem).subject).toBe('CN=Plain');
  });

  it('a request altered after signing fails both openssl and parseCsr', () => {
    const ours = ourCaCsr(tmp.dir, { CN: 'Tampered' }, 'EC-P256');
    const der = Buffer.from(ours.csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('Tampered'));
    der[at] = 'X'.charCodeAt(0);
    const pem = toPem(der, 'CERTIFICATE REQUEST');
    expect(reqVerifies(writeCsr(pem))).toBe(false);
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_SIGNATURE_INVALID' }));
  });

  it('a signature by another key does not verify', () => {
    const ours = ourCaCsr(tmp.dir, { CN: 'Mine' }, 'EC-P256');
    const other = ourCaCsr(tmp.dir, { CN: 'Other' }, 'EC-P256');
    const info = buildCsrInfo({ subjectDer: encodeName({ CN: 'Mine' }), spkiDer: ours.spkiDer, extensions: { basicConstraintsCa: true } });
    const alg = signatureAlgorithmFor('EC-P256');
    const signature = sign(alg.hash, info, other.privateKey);
    const pem = toPem(assembleCsr(info, alg, signature), 'CERTIFICATE REQUEST');
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'CSR_SIGNATURE_INVALID' }));
    expect(reqVerifies(writeCsr(pem))).toBe(false);
  });

  it('refuses inputs it cannot encode faithfully', () => {
    const { spkiDer } = ourCaCsr(tmp.dir, { CN: 'x' });
    const subjectDer = encodeName({ CN: 'x' });
    expect(() => buildCsrInfo({ subjectDer, spkiDer, extensions: { pathLen: 1 } })).toThrow(/only meaningful with basicConstraintsCa/);
    expect(() => buildCsrInfo({ subjectDer, spkiDer, extensions: { basicConstraintsCa: true, pathLen: 256 } })).toThrow(RangeError);
    expect(() => buildCsrInfo({ subjectDer, spkiDer, extensions: { basicConstraintsCa: true, pathLen: -1 } })).toThrow(RangeError);
    expect(() => buildCsrInfo({ subjectDer: Buffer.concat([subjectDer, Buffer.from([0])]), spkiDer })).toThrow(/subjectDer/);
    expect(() => buildCsrInfo({ subjectDer, spkiDer: Buffer.from('nope') })).toThrow(/spkiDer/);
    expect(() => assembleCsr(buildCsrInfo({ subjectDer, spkiDer }), signatureAlgorithmFor('EC-P256'), Buffer.alloc(0))).toThrow(/empty signature/);
  });
});
