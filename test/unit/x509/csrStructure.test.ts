import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assembleCsr } from '../../../lib/x509/csrBuilder.js';
import { octetString, oid, sequence, set, smallInteger, tlv, utf8String } from '../../../lib/x509/derWriter.js';
import { parseCsr, signatureAlgorithmFor, toPem } from '../../../lib/x509/index.js';
import { OID } from '../../../lib/x509/oids.js';

/**
 * CSRs whose signature verifies (made with their own key) but whose attributes are not the
 * structure PKCS#10 and PKCS#9 prescribe: each is a 400 CSR_MALFORMED. Found by `npm run fuzz`:
 * an empty attribute was a TypeError in the CSR reader, so POST /v1/cas/{id}/certificates answered 500.
 */
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = publicKey.export({ type: 'spki', format: 'der' });
const subject = sequence(set(sequence(oid(OID.commonName), utf8String('odd.example.org'))));
const dns = (name: string) => tlv(0x82, Buffer.from(name));

function signed(attributes: Buffer): string {
  const info = sequence(smallInteger(0), subject, spki, tlv(0xa0, attributes));
  return toPem(assembleCsr(info, signatureAlgorithmFor('EC-P256'), sign('sha256', info, privateKey)), 'CERTIFICATE REQUEST');
}
const extensionRequest = (...values: Buffer[]) => sequence(oid(OID.extensionRequest), ...values);
const sanExtension = (value: Buffer) => sequence(oid(OID.subjectAltName), octetString(value));

describe('parseCsr on validly signed CSRs with odd attributes', () => {
  it('reads the well-formed one it is built like', () => {
    expect(parseCsr(signed(extensionRequest(set(sequence(sanExtension(sequence(dns('odd.example.org')))))))).sans).toEqual([{ type: 'dns', value: 'odd.example.org' }]);
  });

  it.each([
    ['an empty attribute', sequence()],
    ['an attribute that is not a SEQUENCE', smallInteger(1)],
    ['an attribute type that is not an OID', sequence(smallInteger(1), set())],
    ['an extensionRequest without values', extensionRequest()],
    ['an extensionRequest whose values are not a SET', extensionRequest(sequence(sequence(sanExtension(sequence(dns('odd.example.org'))))))],
    ['an extensionRequest with a second values member', extensionRequest(set(sequence()), set(sequence()))],
    ['extensions that are not a SEQUENCE', extensionRequest(set(set()))],
    ['an extension of only an OID', extensionRequest(set(sequence(sequence(oid(OID.subjectAltName)))))],
    ['an empty extension', extensionRequest(set(sequence(sequence())))],
    ['an extension id that is not an OID', extensionRequest(set(sequence(sequence(smallInteger(1), octetString(Buffer.alloc(0))))))],
    ['a subjectAltName that is not a SEQUENCE', extensionRequest(set(sequence(sanExtension(set(dns('odd.example.org'))))))],
    ['bytes after the subjectAltName', extensionRequest(set(sequence(sanExtension(Buffer.concat([sequence(dns('odd.example.org')), Buffer.from([0])])))))],
  ])('refuses %s with CSR_MALFORMED', (_what, attribute) => {
    expect(() => parseCsr(signed(attribute))).toThrow(expect.objectContaining({ code: 'CSR_MALFORMED', status: 400 }));
  });
});
