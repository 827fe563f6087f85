import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseSerialHex } from '../../../lib/x509/crl.js';
import { octetString, sequence, tlv } from '../../../lib/x509/derWriter.js';
import { assembleCertificate, buildTbsCertificate, encodeName, newSerial, signatureAlgorithmFor, subjectKeyIdentifier, toPem, type KeyType } from '../../../lib/x509/index.js';
import {
  buildBasicOcspResponse,
  certIdFor,
  certIdKey,
  encodeCertId,
  issuerHashes,
  matchesIssuer,
  ocspErrorResponse,
  ocspRequestFromGetPath,
  parseOcspRequest,
  responderKeyHash,
  type CertId,
  type OcspCertStatus,
} from '../../../lib/x509/ocsp.js';
import { tempDir } from '../../support/openssl.js';
import { keyPairFor } from '../../support/keys.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** openssl with stdout and stderr together, and its exit status: "Response verify OK" goes to stderr. */
function run(args: string[]): { out: string; status: number | null } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { out: `${r.stdout}${r.stderr}`, status: r.status };
}

let files = 0;
const path = (ext: string) => join(tmp.dir, `o${files++}.${ext}`);
const file = (data: string | Buffer, ext: string) => {
  const p = path(ext);
  writeFileSync(p, data);
  return p;
};

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

function makeCa(keyType: KeyType, cn = `${keyType} OCSP Test CA`) {
  const { privateKey, publicKey } = keyPairFor(keyType);
  const spkiDer = spki(publicKey);
  const ski = subjectKeyIdentifier(spkiDer);
  const name = encodeName({ CN: cn, O: 'Test', C: 'DE' });
  const alg = signatureAlgorithmFor(keyType);
  const tbs = buildTbsCertificate({ serial: newSerial(), signatureAlgorithm: alg, issuerDer: name, subjectDer: name, notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 365 * 86_400_000), spkiDer, profile: 'ca', pathLen: 0, subjectKeyType: keyType, authorityKeyId: ski });
  const der = assembleCertificate(tbs, alg, sign(alg.hash, tbs, privateKey));
  const pem = toPem(der, 'CERTIFICATE');
  return { der, pem, pemFile: file(pem, 'pem'), privateKey, ski, name, alg, keyType };
}
type Ca = ReturnType<typeof makeCa>;

function makeLeaf(ca: Ca, cn: string) {
  const serial = newSerial();
  const tbs = buildTbsCertificate({ serial, signatureAlgorithm: ca.alg, issuerDer: ca.name, subjectDer: encodeName({ CN: cn }), notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), spkiDer: spki(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), profile: 'leaf', subjectKeyType: 'EC-P256', authorityKeyId: ca.ski, sans: [{ type: 'dns', value: cn }] });
  const pem = toPem(assembleCertificate(tbs, ca.alg, sign(ca.alg.hash, tbs, ca.privateKey)), 'CERTIFICATE');
  return { pem, pemFile: file(pem, 'pem'), serialHex: serial.toString('hex') };
}
type Leaf = ReturnType<typeof makeLeaf>;

/** `openssl ocsp` writes the request, as a client would send it. */
function opensslRequest(ca: Ca, leaves: Leaf[], opts: { nonce?: boolean; digest?: string } = {}): { der: Buffer; file: string } {
  const out = path('req');
  const args = ['ocsp', ...(opts.digest ? [`-${opts.digest}`] : []), '-issuer', ca.pemFile, ...leaves.flatMap((l) => ['-cert', l.pemFile]), '-reqout', out, opts.nonce ? '-nonce' : '-no_nonce'];
  const r = run(args);
  expect(r.status, r.out).toBe(0);
  return { der: readFileSync(out), file: out };
}

/** The CA answers as its own responder, as the worker does with the CA key. */
function respond(ca: Ca, responses: Array<{ certId: CertId; status: OcspCertStatus }>, opts: { nonce?: Buffer; certs?: Buffer[]; key?: KeyObject } = {}) {
  const now = Date.now();
  return buildBasicOcspResponse({
    responderKeyHash: responderKeyHash(ca.der),
    producedAt: new Date(now),
    responses: responses.map((r) => ({ ...r, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 86_400_000) })),
    nonce: opts.nonce,
    signatureAlgorithm: ca.alg,
    sign: (tbs) => sign(ca.alg.hash, tbs, opts.key ?? ca.privateKey),
    certs: opts.certs,
  });
}

/** `openssl ocsp -respin`: verifies the response against the CA and prints each certificate's status. */
function check(ca: Ca, resp: Buffer, leaves: Leaf[], extra: string[] = []) {
  return run(['ocsp', '-respin', file(resp, 'resp'), '-issuer', ca.pemFile, '-CAfile', ca.pemFile, ...leaves.flatMap((l) => ['-cert', l.pemFile]), '-resp_text', '-no_nonce', ...extra]);
}

describe('OCSP with lib/x509/ocsp, checked by openssl', () => {
  for (const keyType of ['EC-P256', 'RSA-2048', 'Ed25519'] as const) {
    it(`${keyType}: parses openssl's request and answers good, revoked and unknown in a response openssl verifies`, async () => {
      const ca = makeCa(keyType);
      const [good, revoked, unknown] = ['good.example.org', 'revoked.example.org', 'unknown.example.org'].map((cn) => makeLeaf(ca, cn));

      const req = parseOcspRequest(opensslRequest(ca, [good, revoked, unknown]).der);
      expect(req.nonce).toBeUndefined();
      expect(req.certIds.map((c) => c.serialHex)).toEqual([good, revoked, unknown].map((l) => normaliseSerialHex(l.serialHex)));
      const hashes = issuerHashes(ca.der, 'sha1');
      for (const id of req.certIds) {
        expect(id.hashAlgorithmOid).toBe('1.3.14.3.2.26');
        expect(matchesIssuer(id, hashes)).toBe(true);
      }
      expect(certIdKey(req.certIds[1])).toBe(certIdKey(certIdFor(ca.der, revoked.serialHex, 'sha1')));

      const revokedAt = new Date('2025-06-07T08:09:10Z');
      const statuses: OcspCertStatus[] = ['good', { revokedAt, reason: 'keyCompromise' }, 'unknown'];
      const resp = await respond(ca, req.certIds.map((certId, i) => ({ certId, status: statuses[i] })), { certs: [ca.der] });
      const r = check(ca, resp, [good, revoked, unknown]);
      expect(r.out).toContain('Response verify OK');
      expect(r.out).toContain('Response Status: successful (0x0)');
      expect(r.out).toContain('Response Type: Basic OCSP Response');
      expect(r.out).toContain(`Responder Id: ${responderKeyHash(ca.der).toString('hex').toUpperCase()}`);
      expect(r.out).toMatch(new RegExp(`${good.pemFile}: good\\n`));
      expect(r.out).toMatch(new RegExp(`${revoked.pemFile}: revoked\\n\\s*This Update: .*\\n\\s*Next Update: .*\\n\\s*Reason: keyCompromise\\n\\s*Revocation Time: Jun  7 08:09:10 2025 GMT`));
      expect(r.out).toMatch(new RegExp(`${unknown.pemFile}: unknown\\n`));
      expect(r.out).toMatch(new RegExp(`Signature Algorithm: ${ca.alg.name}\\n`, 'i'));
      expect(r.status).toBe(0);
    });
  }

  it('verifies a response without certs when the CA is given as the responder (-VAfile)', async () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'va.example.org');
    const resp = await respond(ca, [{ certId: parseOcspRequest(opensslRequest(ca, [leaf]).der).certIds[0], status: 'good' }]);
    const withVa = run(['ocsp', '-respin', file(resp, 'resp'), '-issuer', ca.pemFile, '-VAfile', ca.pemFile, '-cert', leaf.pemFile]);
    expect(withVa.out).toContain('Response verify OK');
    expect(withVa.out).toContain(`${leaf.pemFile}: good`);
  });

  it('fails openssl verification when signed by another key, or for a certificate it does not answer for', async () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'forged.example.org');
    const other = makeLeaf(ca, 'other.example.org');
    const certId = parseOcspRequest(opensslRequest(ca, [leaf]).der).certIds[0];
    const forged = await respond(ca, [{ certId, status: 'good' }], { certs: [ca.der], key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
    const r = check(ca, forged, [leaf]);
    expect(r.out).not.toContain('Response verify OK');
    expect(r.out).toMatch(/Response Verify Failure/i);

    const genuine = await respond(ca, [{ certId, status: 'good' }], { certs: [ca.der] });
    expect(check(ca, genuine, [other]).out).toMatch(/No Status found/i);

    // Another CA's name and key hash: openssl finds the responder but refuses it for this certificate.
    const ca2 = makeCa('EC-P256', 'EC-P256 OCSP Test CA');
    const wrongIssuer = await respond(ca2, [{ certId: { ...issuerHashes(ca2.der, 'sha1'), serialHex: leaf.serialHex }, status: 'good' }], { certs: [ca2.der] });
    expect(check(ca, wrongIssuer, [leaf]).out).not.toContain('Response verify OK');
  });

  it('answers revoked without a reason, and with each reason', async () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'reasons.example.org');
    const certId = certIdFor(ca.der, leaf.serialHex, 'sha1');
    const plain = check(ca, await respond(ca, [{ certId, status: { revokedAt: new Date('2030-01-01T00:00:00Z') } }], { certs: [ca.der] }), [leaf]);
    expect(plain.out).toContain('Response verify OK');
    expect(plain.out).toMatch(/: revoked\n\s*This Update: .*\n\s*Next Update: .*\n\s*Revocation Time: Jan {2}1 00:00:00 2030 GMT/);
    expect(plain.out).not.toContain('Reason:');
    for (const reason of ['superseded', 'cessationOfOperation', 'certificateHold', 'unspecified'] as const) {
      const r = check(ca, await respond(ca, [{ certId, status: { revokedAt: new Date(), reason } }], { certs: [ca.der] }), [leaf]);
      expect(r.out).toContain(`Reason: ${reason}`);
    }
  });

  it('echoes the nonce, which openssl checks against its request', async () => {
    const ca = makeCa('RSA-2048');
    const leaf = makeLeaf(ca, 'nonce.example.org');
    const req = opensslRequest(ca, [leaf], { nonce: true });
    const parsed = parseOcspRequest(req.der);
    expect(parsed.nonce).toBeDefined();
    // RFC 8954: an OCTET STRING of the nonce (openssl sends 16 random octets).
    expect(parsed.nonce!.subarray(0, 2)).toEqual(Buffer.from([0x04, 0x10]));
    expect(parsed.nonce!.length).toBe(18);
    expect(parseOcspRequest(opensslRequest(ca, [leaf], { nonce: true }).der).nonce).not.toEqual(parsed.nonce);

    const verifyAgainstRequest = async (nonce?: Buffer) => {
      const resp = await respond(ca, [{ certId: parsed.certIds[0], status: 'good' }], { nonce, certs: [ca.der] });
      return run(['ocsp', '-reqin', req.file, '-respin', file(resp, 'resp'), '-issuer', ca.pemFile, '-CAfile', ca.pemFile, '-resp_text']);
    };
    const echoed = await verifyAgainstRequest(parsed.nonce);
    expect(echoed.out).toContain('Response verify OK');
    expect(echoed.out).toMatch(/OCSP Nonce:\s*\n\s*0410/);
    expect(echoed.out).not.toMatch(/WARNING|Nonce Verify error/);
    expect(echoed.status).toBe(0);

    const other = Buffer.from(parsed.nonce!);
    other[other.length - 1] ^= 1;
    const mismatched = await verifyAgainstRequest(other);
    expect(mismatched.out).toContain('Nonce Verify error');
    expect(mismatched.status).not.toBe(0);

    // A pre-signed response has no nonce: openssl warns but accepts it.
    const none = await verifyAgainstRequest();
    expect(none.out).toContain('WARNING: no nonce in response');
    expect(none.out).toContain('Response verify OK');
  });

  it('pre-signs one response per certificate and serves it for openssl’s request by CertID', async () => {
    const ca = makeCa('EC-P256');
    const leaves = ['a.example.org', 'b.example.org'].map((cn) => makeLeaf(ca, cn));
    // The worker, before any request exists: one SHA-1 CertID and one signed response per certificate.
    const store = new Map<string, Buffer>();
    for (const [i, leaf] of leaves.entries()) {
      const certId = certIdFor(ca.der, leaf.serialHex, 'sha1');
      store.set(certIdKey(certId), await respond(ca, [{ certId, status: i === 0 ? 'good' : { revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 'superseded' } }]));
    }
    // The API, holding no key: parse, look up, serve the stored bytes.
    for (const [i, leaf] of leaves.entries()) {
      const req = opensslRequest(ca, [leaf]);
      const served = store.get(certIdKey(parseOcspRequest(req.der).certIds[0]));
      expect(served).toBeDefined();
      // -cert makes openssl build its own request (without a nonce here) and look the status up by its CertID.
      const r = run(['ocsp', '-respin', file(served!, 'resp'), '-issuer', ca.pemFile, '-VAfile', ca.pemFile, '-cert', leaf.pemFile, '-no_nonce']);
      expect(r.out).toContain('Response verify OK');
      expect(r.out).not.toContain('WARNING');
      expect(r.out).toContain(i === 0 ? `${leaf.pemFile}: good` : `${leaf.pemFile}: revoked`);
    }
  });

  it('computes SHA-256 issuer hashes as openssl does; a SHA-256 request is not matched by SHA-1 hashes', () => {
    const ca = makeCa('RSA-2048');
    const leaf = makeLeaf(ca, 'sha256.example.org');
    const id = parseOcspRequest(opensslRequest(ca, [leaf], { digest: 'sha256' }).der).certIds[0];
    expect(id.hashAlgorithmOid).toBe('2.16.840.1.101.3.4.2.1');
    expect(id.issuerNameHash).toHaveLength(32);
    expect(matchesIssuer(id, issuerHashes(ca.der, 'sha256'))).toBe(true);
    expect(matchesIssuer(id, issuerHashes(ca.der, 'sha1'))).toBe(false);
    expect(certIdKey(id)).toBe(certIdKey(certIdFor(ca.der, leaf.serialHex, 'sha256')));
    expect(certIdKey(id)).not.toBe(certIdKey(certIdFor(ca.der, leaf.serialHex, 'sha1')));
    expect(matchesIssuer(id, issuerHashes(makeCa('RSA-2048').der, 'sha256'))).toBe(false);
  });

  it('writes error responses openssl reads', () => {
    const cases = { malformedRequest: 1, internalError: 2, tryLater: 3, unauthorized: 6 } as const;
    for (const [status, code] of Object.entries(cases) as Array<[keyof typeof cases, number]>) {
      const der = ocspErrorResponse(status);
      expect(der).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, code]));
      const r = run(['ocsp', '-respin', file(der, 'resp'), '-resp_text']);
      expect(r.out).toContain(`Responder Error: ${status.toLowerCase()} (${code})`);
    }
    expect(() => ocspErrorResponse('successful' as 'tryLater')).toThrow();
  });

  it('decodes the GET form (URL-encoded base64 of the request)', () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'get.example.org');
    const der = opensslRequest(ca, [leaf]).der;
    expect(ocspRequestFromGetPath(encodeURIComponent(der.toString('base64')))).toEqual(der);
    expect(ocspRequestFromGetPath(der.toString('base64url'))).toEqual(der);
    expect(() => ocspRequestFromGetPath('%E0%A4%A')).toThrow(expect.objectContaining({ code: 'OCSP_REQUEST_MALFORMED', status: 400 }));
    expect(() => ocspRequestFromGetPath('not base64!')).toThrow(expect.objectContaining({ code: 'OCSP_REQUEST_MALFORMED' }));
  });

  describe('rejects malformed requests with OCSP_REQUEST_MALFORMED (400)', () => {
    const ca = makeCa('EC-P256');
    const leaf = makeLeaf(ca, 'bad.example.org');
    const good = opensslRequest(ca, [leaf], { nonce: true }).der;
    const certId = encodeCertId(certIdFor(ca.der, leaf.serialHex));
    const nonceExt = (value: Buffer) => tlv(0xa2, sequence(sequence(tlv(0x06, Buffer.from('2b0601050507300102', 'hex')), octetString(value))));
    const request = (...tbs: Buffer[]) => sequence(sequence(...tbs));
    const cases: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['truncated', good.subarray(0, good.length - 3)],
      ['trailing bytes', Buffer.concat([good, Buffer.from([0])])],
      ['not a SEQUENCE', Buffer.from([0x04, 0x00])],
      ['an empty request list', request(sequence())],
      ['a CertID with three fields', request(sequence(sequence(sequence(sequence(tlv(0x06, Buffer.from('2b0e03021a', 'hex'))), octetString(Buffer.alloc(20)), octetString(Buffer.alloc(20))))))],
      ['a SHA-1 CertID with 32-byte hashes', request(sequence(sequence(sequence(sequence(tlv(0x06, Buffer.from('2b0e03021a', 'hex'))), octetString(Buffer.alloc(32)), octetString(Buffer.alloc(32)), Buffer.from([2, 1, 1])))))],
      ['a negative serial', request(sequence(sequence(sequence(sequence(tlv(0x06, Buffer.from('2b0e03021a', 'hex'))), octetString(Buffer.alloc(20)), octetString(Buffer.alloc(20)), Buffer.from([2, 1, 0x80])))))],
      ['version v2', request(tlv(0xa0, Buffer.from([2, 1, 1])), sequence(sequence(certId)))],
      ['a nonce over 32 octets', request(sequence(sequence(certId)), nonceExt(octetString(Buffer.alloc(33))))],
      ['an empty nonce', request(sequence(sequence(certId)), nonceExt(Buffer.alloc(0)))],
      ['an unknown field', request(sequence(sequence(certId)), Buffer.from([0x05, 0x00]))],
      ['a huge body', Buffer.alloc(20_000, 0x30)],
    ];
    for (const [what, der] of cases) {
      it(what, () => {
        expect(() => parseOcspRequest(der)).toThrow(expect.objectContaining({ code: 'OCSP_REQUEST_MALFORMED', status: 400 }));
      });
    }
    it('but accepts the same shapes when well formed', () => {
      expect(parseOcspRequest(good).certIds).toHaveLength(1);
      const mine = parseOcspRequest(request(sequence(sequence(certId)), nonceExt(octetString(Buffer.alloc(32, 7)))));
      expect(certIdKey(mine.certIds[0])).toBe(certIdKey(certIdFor(ca.der, leaf.serialHex)));
      expect(mine.nonce).toEqual(octetString(Buffer.alloc(32, 7)));
      expect(parseOcspRequest(request(tlv(0xa0, Buffer.from([2, 1, 0])), sequence(sequence(certId)))).certIds).toHaveLength(1);
    });
  });
});
