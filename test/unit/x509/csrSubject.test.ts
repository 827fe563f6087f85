import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decideIssuance } from '../../../lib/ra/index.js';
import { assembleCsr } from '../../../lib/x509/csrBuilder.js';
import { octetString, oid, sequence, set, smallInteger, tlv } from '../../../lib/x509/derWriter.js';
import { decodeName, encodeName, parseCsr, signatureAlgorithmFor, toPem } from '../../../lib/x509/index.js';
import { OID } from '../../../lib/x509/oids.js';
import { openssl, tempDir } from '../../support/openssl.js';

/**
 * CSR subjects that openssl would not write: built by hand (DER), signed with a real key, so that
 * only the subject is wrong.
 */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = key.publicKey.export({ type: 'spki', format: 'der' });
const alg = signatureAlgorithmFor('EC-P256');

const attr = (attrOid: string, tag: number, bytes: Buffer) => set(sequence(oid(attrOid), tlv(tag, bytes)));
const cn = (tag: number, bytes: Buffer | string) => attr(OID.commonName, tag, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'));

function csrFor(subjectDer: Buffer, sanDer?: Buffer): string {
  const attributes = sanDer ? [sequence(oid(OID.extensionRequest), set(sequence(sequence(oid(OID.subjectAltName), octetString(sanDer)))))] : [];
  const info = sequence(smallInteger(0), subjectDer, spki, tlv(0xa0, ...attributes));
  return toPem(assembleCsr(info, alg, sign(alg.hash, info, key.privateKey)), 'CERTIFICATE REQUEST');
}

const subjectOf = (pem: string) => decideIssuance({ id: 'ca', status: 'active', notAfter: '2099-01-01T00:00:00Z' }, { csr: parseCsr(pem), sans: ['DNS:good.example.org'], profile: 'default' }, new Date()).subject;

describe('CSR subjects: what is copied must be text, exactly', () => {
  it('reads the string types a subject may use', () => {
    expect(decodeName(sequence(cn(0x0c, 'Ünïcödé'), cn(0x13, "Ab 0'()+,-./:=?"), cn(0x16, 'a@b'), cn(0x14, 'plain')))).toEqual([
      { type: 'CN', value: 'Ünïcödé' },
      { type: 'CN', value: "Ab 0'()+,-./:=?" },
      { type: 'CN', value: 'a@b' },
      { type: 'CN', value: 'plain' },
    ]);
    expect(decodeName(sequence(cn(0x1c, Buffer.from('0001f51100000041', 'hex'))))).toEqual([{ type: 'CN', value: '\u{1f511}A' }]);
  });

  it('decodes a BMPString subject (made by openssl) once, not twice', () => {
    const cnf = join(tmp.dir, 'bmp.cnf');
    const keyPath = join(tmp.dir, 'bmp.key');
    // string_mask MASK:0x800: BMPString only.
    writeFileSync(cnf, '[req]\ndistinguished_name = dn\nstring_mask = MASK:0x800\nutf8 = yes\nprompt = no\n[dn]\nCN = Ünïcödé ✓ web\nO = Acme\n');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
    const pem = openssl(['req', '-new', '-key', keyPath, '-config', cnf]);
    expect(openssl(['asn1parse'], pem)).toMatch(/BMPSTRING/);
    const csr = parseCsr(pem);
    expect(csr.commonName).toBe('Ünïcödé ✓ web');
    expect(csr.subject).toBe('CN=Ünïcödé ✓ web,O=Acme');
    expect(subjectOf(pem)).toEqual({ CN: 'Ünïcödé ✓ web' });
    // Also one of even length, which the double decode garbled instead of refusing.
    expect(decodeName(sequence(cn(0x1e, Buffer.from('Ünï web!', 'utf16le').swap16())))).toEqual([{ type: 'CN', value: 'Ünï web!' }]);
  });

  it.each([
    ['a NUL (the null-prefix attack)', cn(0x0c, 'good.example.org\u0000.evil.example.net'), /CN .*control character \(U\+0000\)/],
    ['a newline', cn(0x0c, 'good.example.org\nSet-Cookie: x'), /CN .*control character \(U\+000A\)/],
    ['a C1 control', cn(0x0c, 'good\u0085.example.org'), /control character \(U\+0085\)/],
    ['a NUL in an attribute not copied', [cn(0x0c, 'good.example.org'), attr(OID.emailAddress, 0x16, Buffer.from('a\u0000@b', 'latin1'))], /emailAddress .*control character/],
    ['an INTEGER', cn(0x02, Buffer.from('good.example.org')), /CN .*INTEGER/],
    ['an OCTET STRING', cn(0x04, Buffer.from('good.example.org')), /CN .*OCTET STRING/],
    ['a NumericString', cn(0x12, Buffer.from('123')), /CN /],
    ['invalid UTF-8', cn(0x0c, Buffer.from([0x67, 0xc3, 0x28])), /CN .*not valid UTF-8/],
    ['UTF-8 for a lone surrogate', cn(0x0c, Buffer.from([0x61, 0xed, 0xa0, 0x80])), /CN .*not valid UTF-8/],
    ['a PrintableString with "@"', cn(0x13, 'ops@example.org'), /CN .*PrintableString/],
    ['a PrintableString with a Latin-1 byte', cn(0x13, Buffer.from('caf\u00e9', 'latin1')), /CN .*PrintableString/],
    ['a TeletexString beyond ASCII', cn(0x14, Buffer.from('caf\u00e9', 'latin1')), /CN .*TeletexString/],
    ['an IA5String beyond ASCII', cn(0x16, Buffer.from('caf\u00e9', 'latin1')), /CN .*IA5String/],
    ['a BMPString of odd length', cn(0x1e, Buffer.from('00410042', 'hex').subarray(0, 3)), /CN .*BMPString/],
    ['a BMPString with a surrogate', cn(0x1e, Buffer.from('d83d', 'hex')), /CN .*BMPString/],
    ['a UniversalString beyond U+10FFFF', cn(0x1c, Buffer.from('00110000', 'hex')), /CN .*UniversalString/],
  ] as Array<[string, Buffer | Buffer[], RegExp]>)('refuses a subject with %s', (_what, rdns, message) => {
    const pem = csrFor(sequence(...[rdns].flat()));
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'SUBJECT_INVALID', status: 400, message: expect.stringMatching(message) }));
  });

  it('refuses a malformed Name structure as CSR_MALFORMED', () => {
    const emptyRdn = sequence(tlv(0x31));
    const noValue = sequence(set(sequence(oid(OID.commonName))));
    for (const subject of [emptyRdn, noValue, sequence(sequence(sequence(oid(OID.commonName), tlv(0x0c, Buffer.from('x')))))]) {
      expect(() => parseCsr(csrFor(subject))).toThrow(expect.objectContaining({ code: 'CSR_MALFORMED', status: 400 }));
    }
  });

  it.each([
    ['a byte beyond ASCII, which read as ASCII became another name', Buffer.from([0x61, 0xe1, 0x2e, 0x6f, 0x72, 0x67])],
    ['a NUL', Buffer.from('good.example.org\u0000.evil.net', 'latin1')],
  ])('refuses a CSR dNSName with %s', (_what, bytes) => {
    const pem = csrFor(sequence(cn(0x0c, 'x')), sequence(tlv(0x82, bytes)));
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'SAN_INVALID', status: 400 }));
  });
});

describe('encodeName refuses what it could not write faithfully (the worker encodes names)', () => {
  it.each([['\uD800'], ['a\uDC00'], ['a\u0000b'], ['line\nbreak'], ['a\u009bb']])('refuses %j in any field', (bad) => {
    for (const field of ['CN', 'O', 'OU', 'ST', 'L'] as const) {
      expect(() => encodeName({ CN: 'x', [field]: bad })).toThrow(expect.objectContaining({ code: 'SUBJECT_INVALID', status: 400, details: { field } }));
    }
  });

  it('writes well-formed text that decodes to the same', () => {
    const subject = { CN: 'Ünïcödé 🔑', O: 'Acme', C: 'DE' };
    expect(decodeName(encodeName(subject))).toEqual([
      { type: 'C', value: 'DE' },
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'Ünïcödé 🔑' },
    ]);
  });
});
