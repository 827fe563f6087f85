import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crlNameOf, signerOf } from '../../../lib/ca/index.js';
import type { CaKeyGeneration, CaRecord } from '../../../lib/store/index.js';
import { openssl, tempDir } from '../../support/openssl.js';

/** A CA's key generations as records say them: which CRL each signs, which one signed a certificate. */
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const ca = (fields: Partial<CaRecord>) => ({ id: 'ca-1', ...fields }) as CaRecord;

describe('the CRL of a key generation', () => {
  it('is the unsuffixed one for a CA never rotated, and stays so for that key after rotations; later keys have g<n>', () => {
    expect(crlNameOf(ca({}), 0)).toBeUndefined();
    expect(crlNameOf(ca({ keyGeneration: 2, crlBaseGeneration: 0 }), 0)).toBeUndefined();
    expect(crlNameOf(ca({ keyGeneration: 2, crlBaseGeneration: 0 }), 1)).toBe('g1');
    expect(crlNameOf(ca({ keyGeneration: 2, crlBaseGeneration: 0 }), 2)).toBe('g2');
  });

  it('of a CA rotated before generations had CRLs of their own: the unsuffixed one stays its current key\'s, which its certificates name', () => {
    // Rotated twice by the old code: its one CRL, at the unsuffixed URL, is signed by key 2.
    expect(crlNameOf(ca({ keyGeneration: 2 }), 2)).toBeUndefined();
    // Its next rotation records that (crlBaseGeneration 2): key 3 gets a CRL of its own.
    expect(crlNameOf(ca({ keyGeneration: 3, crlBaseGeneration: 2 }), 2)).toBeUndefined();
    expect(crlNameOf(ca({ keyGeneration: 3, crlBaseGeneration: 2 }), 3)).toBe('g3');
  });
});

describe('the generation that signed a certificate', () => {
  it('is found by the signature when the certificate names no key (no authority key identifier): the names are all the same', () => {
    const p = (name: string) => join(tmp.dir, name);
    for (const k of ['old', 'new', 'leaf']) openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${k}.key`)]);
    for (const k of ['old', 'new']) openssl(['req', '-x509', '-new', '-key', p(`${k}.key`), '-subj', '/CN=Same Name', '-days', '2', '-out', p(`${k}.pem`)]);
    openssl(['req', '-new', '-key', p('leaf.key'), '-subj', '/CN=leaf', '-out', p('leaf.csr')]);
    writeFileSync(p('ext'), 'authorityKeyIdentifier=none\nsubjectKeyIdentifier=none\nbasicConstraints=CA:FALSE\n');
    openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('new.pem'), '-CAkey', p('new.key'), '-CAcreateserial', '-days', '1', '-extfile', p('ext'), '-out', p('leaf.pem')]);
    const generation = (n: number, name: string): CaKeyGeneration => ({ generation: n, keyRef: `ref-${n}`, certificatePem: readFileSync(p(`${name}.pem`), 'utf8'), subjectKeyId: '00', notAfter: new Date(Date.now() + 86_400_000).toISOString() });
    const signer = signerOf([generation(0, 'old'), generation(1, 'new')]);
    expect(signer({ certificatePem: readFileSync(p('leaf.pem'), 'utf8') })?.generation).toBe(1);
    expect(signer({ certificatePem: readFileSync(p('old.pem'), 'utf8') })?.generation).toBe(0);
    expect(signer({ certificatePem: 'not a certificate' })).toBeUndefined();
  });
});
