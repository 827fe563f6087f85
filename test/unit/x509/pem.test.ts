import { afterAll, describe, expect, it } from 'vitest';
import { parseCsr, pemToDer, toPem } from '../../../lib/x509/index.js';
import { makeCsr, makeOpensslChain, openssl, tempDir } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const chain = makeOpensslChain(tmp.dir, 'pem.example.org');
const csr = makeCsr(tmp.dir, 'ec256', 'pem.example.org').csr;
const other = makeCsr(tmp.dir, 'ec256', 'other.example.org').csr;

describe('pemToDer: exactly one PEM block', () => {
  it('reads the block, with the text openssl writes before it', () => {
    const der = pemToDer(chain.rootPem, 'CERTIFICATE', 'X');
    expect(toPem(der, 'CERTIFICATE')).toBe(chain.rootPem);
    const dumped = openssl(['x509', '-text'], chain.rootPem);
    expect(dumped).toMatch(/^Certificate:/);
    expect(pemToDer(dumped, 'CERTIFICATE', 'X').equals(der)).toBe(true);
  });

  it.each([
    ['two certificates', () => chain.leafPem + chain.intermediatePem],
    ['a certificate and a text-separated second one', () => `${chain.leafPem}\nand its issuer:\n${chain.intermediatePem}`],
    ['a block and an unterminated BEGIN', () => `${chain.leafPem}-----BEGIN CERTIFICATE-----\nMAA=\n`],
  ])('refuses %s with the caller\'s code', (_what, pem) => {
    expect(() => pemToDer(pem(), 'CERTIFICATE', 'MY_CODE')).toThrow(expect.objectContaining({ code: 'MY_CODE', status: 400, message: expect.stringContaining('one PEM') }));
  });

  it.each([
    ['CSR + CSR', () => csr + other],
    ['CSR + certificate', () => csr + chain.leafPem],
    ['certificate + CSR', () => chain.leafPem + csr],
  ])('parseCsr refuses %s as CSR_MALFORMED', (_what, pem) => {
    expect(() => parseCsr(pem())).toThrow(expect.objectContaining({ code: 'CSR_MALFORMED', status: 400 }));
  });

  it('parseCsr still takes one CSR with text around it', () => {
    expect(parseCsr(`my request:\n${csr}\n`).commonName).toBe('pem.example.org');
  });
});
