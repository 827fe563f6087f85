import { generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleCertificate, buildTbsCertificate, newSerial, prepareIssuer, subjectKeyIdentifier, type TbsInput } from '../../../lib/x509/certificate.js';
import { headerLength, oid, time, timeLength, tlv, unsignedInteger, writeHeader, writeTime } from '../../../lib/x509/derWriter.js';
import { encodeName, KEY_TYPES, parseCsr, parseSans, signatureAlgorithmFor, toPem, type KeyType } from '../../../lib/x509/index.js';
import { OID } from '../../../lib/x509/oids.js';
import { makeCsr, tempDir, verifyChain, x509Text } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
const keys = {
  ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ec384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ed: generateKeyPairSync('ed25519'),
};
const SUBJECT_KEYS: Array<[KeyType, Buffer]> = [
  ['EC-P256', spki(keys.ec.publicKey)],
  ['EC-P384', spki(keys.ec384.publicKey)],
  ['RSA-2048', spki(keys.rsa.publicKey)],
  ['Ed25519', spki(keys.ed.publicKey)],
];

const SUBJECTS = [
  encodeName({ CN: 'leaf.example.org' }),
  encodeName({ CN: 'Ünïcödé', O: 'Org', OU: 'Unit', C: 'DE', ST: 'Bavaria', L: 'Munich' }),
  encodeName({ CN: 'x'.repeat(200), O: 'o'.repeat(120) }), // lengths past 127 and 255
  Buffer.from([0x30, 0x00]), // empty subject: the SAN extension becomes critical
];

const SERIALS = [
  Buffer.from([0x01]),
  Buffer.from([0x00]),
  Buffer.alloc(0),
  Buffer.from([0x80]),
  Buffer.from('00000000000000000000000000000001', 'hex'),
  Buffer.from('00ff00000000000000000000000000000a', 'hex'),
  Buffer.from('7fffffffffffffffffffffffffffffff', 'hex'),
  Buffer.from('0000ab', 'hex'),
  ...Array.from({ length: 8 }, () => newSerial()),
];

const TIMES: Array<[Date, Date]> = [
  [new Date('2025-03-04T05:06:07.890Z'), new Date('2025-04-03T05:06:07.999Z')],
  [new Date('1950-01-01T00:00:00Z'), new Date('2049-12-31T23:59:59Z')],
  [new Date('2049-12-31T23:59:59Z'), new Date('2050-01-01T00:00:00Z')],
  [new Date('1949-12-31T23:59:59Z'), new Date('9999-12-31T23:59:59Z')],
  [new Date('0001-02-03T04:05:06Z'), new Date('0999-01-01T00:00:00Z')],
];

const SANS = [
  [],
  parseSans(['leaf.example.org']),
  parseSans(['leaf.example.org', '*.example.org', 'IP:192.0.2.7', 'IP:2001:db8::7', 'IP:64:ff9b::192.0.2.1', 'ops@example.org']),
  parseSans(Array.from({ length: 100 }, (_, i) => `host-${i}.a-rather-long-zone-name.example.org`)), // > 4 KiB of names
];

const issuers = (KEY_TYPES as readonly KeyType[]).flatMap((keyType) => [
  { signatureAlgorithm: signatureAlgorithmFor(keyType), issuerDer: encodeName({ CN: `${keyType} CA`, O: 'Test', C: 'DE' }), authorityKeyId: subjectKeyIdentifier(spki(keys.ec.publicKey)) },
  { signatureAlgorithm: signatureAlgorithmFor(keyType), issuerDer: encodeName({ CN: 'No AKI' }) },
  { signatureAlgorithm: signatureAlgorithmFor(keyType), issuerDer: SUBJECTS[2], authorityKeyId: Buffer.alloc(32, 0xab) },
]);

describe('prepared issuer (single-buffer path) against the composed path', () => {
  it('gives byte-identical TBSCertificates for the same fields', () => {
    let cases = 0;
    let i = 0;
    for (const issuer of issuers) {
      const prepared = prepareIssuer(issuer);
      for (const [subjectKeyType, spkiDer] of SUBJECT_KEYS) {
        for (const subjectDer of SUBJECTS) {
          // A rotating choice of the remaining fields keeps the product small but covers each value.
          const k = i++;
          const sans = SANS[k % SANS.length];
          const serial = SERIALS[k % SERIALS.length];
          const [notBefore, notAfter] = TIMES[k % TIMES.length];
          const variants: Array<Omit<TbsInput, 'signatureAlgorithm' | 'issuerDer' | 'authorityKeyId' | 'spkiDer' | 'subjectDer' | 'subjectKeyType'>> = [
            { serial, notBefore, notAfter, profile: 'leaf', sans },
            { serial, notBefore, notAfter, profile: 'leaf', sans, extKeyUsage: [] },
            { serial, notBefore, notAfter, profile: 'leaf', sans: SANS[(k + 1) % SANS.length], extKeyUsage: ['serverAuth'] },
            { serial, notBefore, notAfter, profile: 'leaf', sans: SANS[(k + 2) % SANS.length], extKeyUsage: ['clientAuth', 'serverAuth'] },
            { serial, notBefore, notAfter, profile: 'ca' },
            { serial, notBefore, notAfter, profile: 'ca', pathLen: 0 },
            { serial, notBefore, notAfter, profile: 'ca', pathLen: 200, sans: SANS[2] },
          ];
          for (const v of variants) {
            const fields = { ...v, spkiDer, subjectDer, subjectKeyType };
            const ordinary = buildTbsCertificate({ ...fields, ...issuer });
            const fast = buildTbsCertificate({ ...fields, issuer: prepared });
            expect(fast.toString('hex')).toBe(ordinary.toString('hex'));
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(500);
  });

  it('rejects notAfter before notBefore on both paths', () => {
    const fields = { serial: newSerial(), notBefore: new Date(2000), notAfter: new Date(1000), spkiDer: SUBJECT_KEYS[0][1], subjectDer: SUBJECTS[0], subjectKeyType: 'EC-P256' as const, profile: 'leaf' as const };
    const issuer = { signatureAlgorithm: signatureAlgorithmFor('EC-P256'), issuerDer: SUBJECTS[0] };
    expect(() => buildTbsCertificate({ ...fields, ...issuer })).toThrow(/notAfter/);
    expect(() => buildTbsCertificate({ ...fields, issuer: prepareIssuer(issuer) })).toThrow(/notAfter/);
  });

  it('takes only issuers made by prepareIssuer', () => {
    const fields = { serial: Buffer.from([1]), notBefore: new Date(0), notAfter: new Date(1000), spkiDer: SUBJECT_KEYS[0][1], subjectDer: SUBJECTS[0], subjectKeyType: 'EC-P256' as const, profile: 'leaf' as const };
    const forged = { ...prepareIssuer({ signatureAlgorithm: signatureAlgorithmFor('EC-P256'), issuerDer: SUBJECTS[0] }) };
    expect(() => buildTbsCertificate({ ...fields, issuer: forged })).toThrow(/prepareIssuer/);
  });

  it('is not affected by later changes to the Buffers it was prepared from', () => {
    const issuerDer = encodeName({ CN: 'Mutable' });
    const authorityKeyId = Buffer.alloc(20, 1);
    const issuer = { signatureAlgorithm: signatureAlgorithmFor('EC-P256'), issuerDer: Buffer.from(issuerDer), authorityKeyId: Buffer.from(authorityKeyId) };
    const prepared = prepareIssuer(issuer);
    issuer.issuerDer.fill(0);
    issuer.authorityKeyId.fill(0);
    const fields = { serial: Buffer.from([1]), notBefore: new Date(0), notAfter: new Date(1000), spkiDer: SUBJECT_KEYS[0][1], subjectDer: SUBJECTS[0], subjectKeyType: 'EC-P256' as const, profile: 'leaf' as const };
    expect(buildTbsCertificate({ ...fields, issuer: prepared })).toEqual(buildTbsCertificate({ ...fields, signatureAlgorithm: issuer.signatureAlgorithm, issuerDer, authorityKeyId }));
  });

  it('issues certificates that openssl verifies, signed with a KeyObject', () => {
    for (const caType of ['EC-P256', 'RSA-2048', 'Ed25519'] as const) {
      const ca = caType === 'EC-P256' ? keys.ec : caType === 'RSA-2048' ? keys.rsa : keys.ed;
      const alg = signatureAlgorithmFor(caType);
      const name = encodeName({ CN: `${caType} Prepared CA` });
      const ski = subjectKeyIdentifier(spki(ca.publicKey));
      const now = Date.now();
      const self = prepareIssuer({ signatureAlgorithm: alg, issuerDer: name, authorityKeyId: ski });
      const caTbs = buildTbsCertificate({ issuer: self, serial: newSerial(), subjectDer: name, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), spkiDer: spki(ca.publicKey), profile: 'ca', pathLen: 0, subjectKeyType: caType });
      const caPem = toPem(assembleCertificate(caTbs, alg, sign(alg.hash, caTbs, ca.privateKey)), 'CERTIFICATE');
      const csr = parseCsr(makeCsr(tmp.dir, 'ec256', 'fast.example.org').csr);
      const tbs = buildTbsCertificate({ issuer: self, serial: newSerial(), subjectDer: csr.subjectDer, notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000), spkiDer: csr.spkiDer, profile: 'leaf', subjectKeyType: csr.keyType, sans: parseSans(['fast.example.org', 'IP:192.0.2.9']) });
      const leaf = toPem(assembleCertificate(tbs, alg, sign(alg.hash, tbs, ca.privateKey)), 'CERTIFICATE');
      expect(verifyChain(tmp.dir, caPem, leaf)).toContain('OK');
      expect(x509Text(leaf)).toContain('DNS:fast.example.org, IP Address:192.0.2.9');
      expect(new X509Certificate(leaf).checkIssued(new X509Certificate(caPem))).toBe(true);
    }
  });
});

describe('DER writer', () => {
  it('encodes object identifiers as node-forge does', () => {
    const oids = [...Object.values(OID), '2.999.3', '1.2.840.113549', '0.9.2342.19200300.100.1.1', '2.5.4.3', '1.3.6.1.4.1.311.60.2.1.3', '1.2.4294967295.127.128.16383.16384'];
    for (const o of oids) {
      const expected = Buffer.concat([Buffer.from([0x06, forge.asn1.oidToDer(o).length()]), Buffer.from(forge.asn1.oidToDer(o).getBytes(), 'binary')]);
      expect(oid(o).toString('hex'), o).toBe(expected.toString('hex'));
    }
    expect(() => oid('1.x.3')).toThrow();
  });

  it('writes minimal definite lengths', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const el = tlv(0x04, Buffer.alloc(n, 1));
      const bytes = n < 128 ? [n] : n < 256 ? [0x81, n] : n < 65536 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
      expect([...el.subarray(0, 1 + bytes.length)]).toEqual([0x04, ...bytes]);
      expect(el.length).toBe(1 + bytes.length + n);
      expect(headerLength(n)).toBe(1 + bytes.length);
      const buf = Buffer.alloc(8);
      expect(writeHeader(buf, 0, 0x04, n)).toBe(1 + bytes.length);
    }
  });

  it('writes INTEGERs minimally', () => {
    expect(unsignedInteger(Buffer.alloc(0)).toString('hex')).toBe('020100');
    expect(unsignedInteger(Buffer.from('0000', 'hex')).toString('hex')).toBe('020100');
    expect(unsignedInteger(Buffer.from('00007f', 'hex')).toString('hex')).toBe('02017f');
    expect(unsignedInteger(Buffer.from('0080', 'hex')).toString('hex')).toBe('02020080');
    expect(unsignedInteger(Buffer.from('ff01', 'hex')).toString('hex')).toBe('020300ff01');
  });

  it('writes times as the string-based encoder does', () => {
    const dates = [0, -631152000000, 2524607999000, 2524608000000, Date.UTC(1949, 11, 31, 23, 59, 59), Date.UTC(2024, 1, 29, 12, 0, 0, 999), Date.UTC(9999, 11, 31, 23, 59, 59), Date.UTC(10000, 0, 1), Date.UTC(500, 5, 6, 7, 8, 9)];
    for (let t = Date.UTC(1940, 0, 1); t < Date.UTC(2060, 0, 1); t += 3 * 86_399_937) dates.push(t);
    for (const t of dates) {
      const d = new Date(t);
      const buf = Buffer.alloc(40, 0xee);
      const end = writeTime(buf, 3, d);
      expect(buf.subarray(3, end).toString('hex'), d.toISOString()).toBe(time(d).toString('hex'));
      expect(timeLength(d)).toBe(end - 3);
    }
    expect(() => writeTime(Buffer.alloc(20), 0, new Date(NaN))).toThrow(RangeError);
  });
});
