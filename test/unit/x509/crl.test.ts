import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assembleCrl, buildTbsCrl, crlDistributionPointsExtension, normaliseSerialHex, REASON_CODES, type RevokedEntry, type TbsCrlInput } from '../../../lib/x509/crl.js';
import { assembleCertificate, buildTbsCertificate, encodeName, newSerial, signatureAlgorithmFor, subjectKeyIdentifier, toPem, type KeyType } from '../../../lib/x509/index.js';
import { tempDir } from '../../support/openssl.js';
import { keyPairFor } from '../../support/keys.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** openssl with stdout and stderr together, and its exit status: verification results go to stderr. */
function run(args: string[]): { out: string; status: number | null } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { out: `${r.stdout}${r.stderr}`, status: r.status };
}

let files = 0;
const file = (data: string | Buffer, ext: string) => {
  const p = join(tmp.dir, `f${files++}.${ext}`);
  writeFileSync(p, data);
  return p;
};


const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

function makeCa(keyType: KeyType) {
  const { privateKey, publicKey } = keyPairFor(keyType);
  const spkiDer = spki(publicKey);
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName({ CN: `${keyType} CRL Test CA`, O: 'Test' });
  const alg = signatureAlgorithmFor(keyType);
  const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: name, subjectDer: name, notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 365 * 86_400_000), spkiDer, profile: 'ca', pathLen: 0, subjectKeyType: keyType, authorityKeyId: ski });
  const der = assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey));
  return { der, pem: toPem(der, 'CERTIFICATE'), privateKey, ski, name, alg, keyType };
}
type Ca = ReturnType<typeof makeCa>;

function makeLeaf(ca: Ca, cn: string, crlUri?: string) {
  const serial = newSerial();
  // The certificate's CRL distribution point as the worker writes it (buildTbsCertificate's `revocation`).
  const revocation = crlUri ? { revocation: { crlUrl: crlUri, ocspUrl: 'http://ocsp.example.org/' } } : {};
  const tbs = buildTbsCertificate({ serial, signatureAlgorithm: ca.alg, issuerDer: ca.name, subjectDer: encodeName({ CN: cn }), notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), spkiDer: spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), profile: 'leaf', subjectKeyType: 'EC-P256', authorityKeyId: ca.ski, sans: [{ type: 'dns', value: cn }], ...revocation });
  return { pem: toPem(assembleCertificate(tbs, ca.alg, sign(ca.alg.hash, tbs, ca.privateKey)), 'CERTIFICATE'), serialHex: serial.toString('hex') };
}

function makeCrl(ca: Ca, fields: Partial<TbsCrlInput> & { revoked: RevokedEntry[] }, key: KeyObject = ca.privateKey): Buffer {
  const tbs = buildTbsCrl({ signatureAlgorithm: ca.alg, issuerDer: ca.name, thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 7 * 86_400_000), crlNumber: 1n, authorityKeyId: ca.ski, ...fields });
  return assembleCrl(tbs, ca.alg, sign(ca.alg.hash, tbs, key));
}

const crlText = (der: Buffer) => {
  const r = run(['crl', '-inform', 'DER', '-in', file(der, 'crl'), '-text', '-noout']);
  expect(r.status, r.out).toBe(0);
  return r.out;
};
const crlVerify = (der: Buffer, ca: Ca) => run(['crl', '-inform', 'DER', '-in', file(der, 'crl'), '-verify', '-CAfile', file(ca.pem, 'pem'), '-noout']);
/** Full path validation with the CRL: the CRL's issuer, AKI, signature, IDP scope and the serial all have to line up. */
const verifyWithCrl = (ca: Ca, crl: Buffer, leafPem: string) => {
  const crlPem = `-----BEGIN X509 CRL-----\n${crl.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`;
  return run(['verify', '-crl_check', '-CAfile', file(ca.pem, 'pem'), '-CRLfile', file(crlPem, 'pem'), file(leafPem, 'pem')]);
};
const upperSerial = (hex: string) => normaliseSerialHex(hex).toUpperCase();

const URI = 'http://ca.example.org/v1/cas/1234/crl';

describe('CRLs built by lib/x509/crl, checked by openssl', () => {
  for (const keyType of ['EC-P256', 'RSA-2048', 'Ed25519'] as const) {
    it(`${keyType}: openssl reads the entries, reasons, CRL number and IDP, and verifies the signature`, () => {
      const ca = makeCa(keyType);
      const revokedLeaf = makeLeaf(ca, 'revoked.example.org', URI);
      const goodLeaf = makeLeaf(ca, 'good.example.org', URI);
      const other = newSerial().toString('hex');
      const revoked: RevokedEntry[] = [
        { serialHex: revokedLeaf.serialHex, revokedAt: new Date('2025-01-02T03:04:05Z'), reason: 'keyCompromise' },
        { serialHex: other, revokedAt: new Date('2025-02-03T04:05:06Z'), reason: 'superseded' },
        { serialHex: '01:02:03', revokedAt: new Date('2025-03-04T05:06:07Z'), reason: 'unspecified' },
        { serialHex: '00ABCDEF', revokedAt: new Date('2025-04-05T06:07:08Z') },
        { serialHex: 'ff', revokedAt: new Date('2025-05-06T07:08:09Z'), reason: 'cessationOfOperation' },
      ];
      const crl = makeCrl(ca, { revoked, crlNumber: 4242n, issuingDistributionPointUri: URI });
      const text = crlText(crl);
      expect(text).toContain('Version 2 (0x1)');
      expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*4242\n/);
      expect(text).toMatch(/X509v3 Issuing Distribution Point: critical\s*\n\s*Full Name:\s*\n\s*URI:http:\/\/ca\.example\.org\/v1\/cas\/1234\/crl\n/);
      expect(text).toMatch(/X509v3 Authority Key Identifier:\s*\n\s*(keyid:)?[0-9A-F:]+/);
      expect(text.replace(/:/g, '')).toContain(ca.ski.toString('hex').toUpperCase());
      expect(text).toContain(`Issuer: O = Test, CN = ${keyType} CRL Test CA`);
      expect(text).toMatch(new RegExp(`Signature Algorithm: ${ca.alg.name}\\n`, 'i'));
      // One block per entry, in order; the reason only where one other than unspecified was given.
      const entries = text.split('Serial Number: ').slice(1);
      expect(entries).toHaveLength(5);
      expect(entries[0]).toMatch(new RegExp(`^${upperSerial(revokedLeaf.serialHex)}\\s*\\n\\s*Revocation Date: Jan  2 03:04:05 2025 GMT\\s*\\n\\s*CRL entry extensions:\\s*\\n\\s*X509v3 CRL Reason Code:\\s*\\n\\s*Key Compromise`));
      expect(entries[1]).toMatch(new RegExp(`^${upperSerial(other)}\\s*\\n\\s*Revocation Date: Feb  3 04:05:06 2025 GMT\\s*\\n\\s*CRL entry extensions:\\s*\\n\\s*X509v3 CRL Reason Code:\\s*\\n\\s*Superseded`));
      expect(entries[2]).toMatch(/^010203\s*\n\s*Revocation Date: Mar {2}4 05:06:07 2025 GMT\s*\n(?!\s*CRL entry extensions)/);
      expect(entries[3]).toMatch(/^ABCDEF\s*\n\s*Revocation Date: Apr {2}5 06:07:08 2025 GMT\s*\n(?!\s*CRL entry extensions)/);
      expect(entries[4]).toMatch(/^FF\s*\n\s*Revocation Date: May {2}6 07:08:09 2025 GMT\s*\n\s*CRL entry extensions:\s*\n\s*X509v3 CRL Reason Code:\s*\n\s*Cessation Of Operation/);

      const v = crlVerify(crl, ca);
      expect(v.out).toContain('verify OK');
      expect(v.status).toBe(0);

      // Path validation: the revoked leaf is refused, the other accepted (its CRLDP matching the IDP).
      const bad = verifyWithCrl(ca, crl, revokedLeaf.pem);
      expect(bad.status).not.toBe(0);
      expect(bad.out).toContain('certificate revoked');
      const good = verifyWithCrl(ca, crl, goodLeaf.pem);
      expect(good.out).toMatch(/: OK\n/);
      expect(good.status).toBe(0);
    });
  }

  it('fails openssl verification when signed by another key or with another issuer', () => {
    const ca = makeCa('EC-P256');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = makeCrl(ca, { revoked: [] }, stranger);
    const v = crlVerify(forged, ca);
    expect(v.out).not.toContain('verify OK');
    expect(v.out).toMatch(/verify failure|bad signature/i);

    const otherCa = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'x.example.org');
    const otherCrl = makeCrl(otherCa, { revoked: [{ serialHex: leaf.serialHex, revokedAt: new Date() }] });
    expect(verifyWithCrl(ca, otherCrl, leaf.pem).out).toContain('unable to get certificate CRL');
  });

  it('without IDP, revokes a leaf that has no CRL distribution point; an empty list has no revokedCertificates', () => {
    const ca = makeCa('RSA-2048');
    const leaf = makeLeaf(ca, 'plain.example.org');
    const crl = makeCrl(ca, { revoked: [{ serialHex: leaf.serialHex, revokedAt: new Date(Date.now() - 1000), reason: 'affiliationChanged' }], crlNumber: 2n });
    const text = crlText(crl);
    expect(text).not.toContain('Issuing Distribution Point');
    expect(text).toContain('Affiliation Changed');
    expect(verifyWithCrl(ca, crl, leaf.pem).out).toContain('certificate revoked');

    const empty = makeCrl(ca, { revoked: [], crlNumber: 3n });
    expect(crlText(empty)).toContain('No Revoked Certificates.');
    expect(crlVerify(empty, ca).out).toContain('verify OK');
    expect(verifyWithCrl(ca, empty, leaf.pem).status).toBe(0);
  });

  it('writes every reason openssl knows, and large CRL numbers', () => {
    const ca = makeCa('EC-P256');
    const names: Record<string, string> = {
      keyCompromise: 'Key Compromise',
      cACompromise: 'CA Compromise',
      affiliationChanged: 'Affiliation Changed',
      superseded: 'Superseded',
      cessationOfOperation: 'Cessation Of Operation',
      certificateHold: 'Certificate Hold',
      removeFromCRL: 'Remove From CRL',
      privilegeWithdrawn: 'Privilege Withdrawn',
      aACompromise: 'AA Compromise',
    };
    const reasons = Object.keys(names) as Array<keyof typeof REASON_CODES>;
    const crl = makeCrl(ca, { revoked: reasons.map((reason, i) => ({ serialHex: (i + 1).toString(16), revokedAt: new Date(), reason })), crlNumber: 2n ** 150n + 1n });
    const text = crlText(crl);
    const entries = text.split('Serial Number: ').slice(1);
    reasons.forEach((r, i) => expect(entries[i]).toContain(names[r]));
    expect(text).toMatch(new RegExp(`X509v3 CRL Number:\\s*\\n\\s*0x${(2n ** 150n + 1n).toString(16).toUpperCase()}\\n`));
    expect(REASON_CODES).toMatchObject({ unspecified: 0, keyCompromise: 1, certificateHold: 6, removeFromCRL: 8, aACompromise: 10 });
  });

  it('uses UTCTime through 2049 and GeneralizedTime from 2050, which openssl reads', () => {
    const ca = makeCa('EC-P256');
    const crl = makeCrl(ca, { thisUpdate: new Date('2049-12-31T23:59:59Z'), nextUpdate: new Date('2050-01-01T00:00:00Z'), revoked: [{ serialHex: '0a', revokedAt: new Date('2051-06-07T08:09:10Z') }] });
    expect(crl.includes(Buffer.from('\x17\x0d491231235959Z', 'latin1'))).toBe(true);
    expect(crl.includes(Buffer.from('\x18\x0f20500101000000Z', 'latin1'))).toBe(true);
    expect(crl.includes(Buffer.from('\x18\x0f20510607080910Z', 'latin1'))).toBe(true);
    const text = crlText(crl);
    expect(text).toContain('Last Update: Dec 31 23:59:59 2049 GMT');
    expect(text).toContain('Next Update: Jan  1 00:00:00 2050 GMT');
    expect(text).toContain('Revocation Date: Jun  7 08:09:10 2051 GMT');
    expect(crlVerify(crl, ca).out).toContain('verify OK');
  });

  it('puts the CRL distribution point in certificates as openssl reads it', () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'dp.example.org', URI);
    const r = run(['x509', '-noout', '-text', '-in', file(leaf.pem, 'pem')]);
    expect(r.out).toMatch(/X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:http:\/\/ca\.example\.org\/v1\/cas\/1234\/crl\n/);
    expect(r.out).not.toMatch(/CRL Distribution Points: critical/);
    expect(run(['verify', '-x509_strict', '-CAfile', file(ca.pem, 'pem'), file(leaf.pem, 'pem')]).out).toMatch(/: OK\n/);
  });

  it('refuses inconsistent input', () => {
    const ca = makeCa('EC-P256');
    const t = new Date();
    expect(() => makeCrl(ca, { thisUpdate: t, nextUpdate: t, revoked: [] })).toThrow(/nextUpdate/);
    expect(() => makeCrl(ca, { revoked: [{ serialHex: '0a', revokedAt: t }, { serialHex: '00:0A', revokedAt: t }] })).toThrow(/twice/);
    expect(() => makeCrl(ca, { revoked: [{ serialHex: 'xyz', revokedAt: t }] })).toThrow(/hex/);
    expect(() => makeCrl(ca, { revoked: [{ serialHex: '01', revokedAt: new Date(NaN) }] })).toThrow(/revokedAt/);
    expect(() => makeCrl(ca, { revoked: [{ serialHex: '01', revokedAt: t, reason: 'bogus' as 'superseded' }] })).toThrow(/reason/);
    expect(() => makeCrl(ca, { revoked: [], crlNumber: -1n })).toThrow(/negative/);
    expect(() => makeCrl(ca, { revoked: [], crlNumber: 2n ** 160n })).toThrow(/20 octets/);
    expect(() => makeCrl(ca, { revoked: [], issuingDistributionPointUri: 'not a uri' })).toThrow(/URI/);
    expect(() => crlDistributionPointsExtension('http://ünï.example/')).toThrow(/URI/);
  });

  it('normalises serials to one form', () => {
    expect(normaliseSerialHex('00:AB:cd')).toBe('abcd');
    expect(normaliseSerialHex('0000')).toBe('00');
    expect(normaliseSerialHex('abc')).toBe('0abc');
    expect(normaliseSerialHex('00ff')).toBe('ff');
  });
});
