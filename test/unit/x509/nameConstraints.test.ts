import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleCertificate,
  buildTbsCertificate,
  checkNameConstraints,
  encodeName,
  newSerial,
  normaliseNameConstraints,
  parseCsr,
  parseSans,
  signatureAlgorithmFor,
  subjectKeyIdentifier,
  toPem,
  type NameConstraints,
} from '../../../lib/x509/index.js';
import { makeCsr, openssl, tempDir, x509Text } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const alg = signatureAlgorithmFor('EC-P256');
const day = 86_400_000;

/** A root, a constrained intermediate under it, and a leaf for `names` under the intermediate. */
function chainWith(constraints: NameConstraints, names: string[]) {
  const mk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const root = mk();
  const int = mk();
  const rootSpki = root.publicKey.export({ type: 'spki', format: 'der' });
  const intSpki = int.publicKey.export({ type: 'spki', format: 'der' });
  const rootName = encodeName({ CN: 'NC Root' });
  const intName = encodeName({ CN: 'NC Intermediate' });
  const cert = (tbs: Buffer, key: typeof root) => toPem(assembleCertificate(tbs, alg, sign(alg.hash, tbs, key.privateKey)), 'CERTIFICATE');
  const now = Date.now();
  const base = { signatureAlgorithm: alg, notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * day), subjectKeyType: 'EC-P256' as const };
  const rootPem = cert(buildTbsCertificate({ ...base, serial: newSerial(), issuerDer: rootName, subjectDer: rootName, spkiDer: rootSpki, profile: 'ca', authorityKeyId: subjectKeyIdentifier(rootSpki) }), root);
  const intPem = cert(buildTbsCertificate({ ...base, serial: newSerial(), issuerDer: rootName, subjectDer: intName, spkiDer: intSpki, profile: 'ca', pathLen: 0, nameConstraints: normaliseNameConstraints(constraints), authorityKeyId: subjectKeyIdentifier(rootSpki) }), root);
  const csr = parseCsr(makeCsr(tmp.dir, 'ec256', 'leaf').csr);
  const leafPem = cert(buildTbsCertificate({ ...base, serial: newSerial(), issuerDer: intName, subjectDer: csr.subjectDer, spkiDer: csr.spkiDer, profile: 'leaf', authorityKeyId: subjectKeyIdentifier(intSpki), sans: parseSans(names) }), int);
  return { rootPem, intPem, leafPem };
}

/** openssl's own path validation, which enforces name constraints. */
function opensslVerify(c: ReturnType<typeof chainWith>): string {
  const [root, int, leaf] = ['root', 'int', 'leaf'].map((n) => join(tmp.dir, `${n}-${Math.random()}.pem`));
  writeFileSync(root, c.rootPem);
  writeFileSync(int, c.intPem);
  writeFileSync(leaf, c.leafPem);
  try {
    return openssl(['verify', '-x509_strict', '-CAfile', root, '-untrusted', int, leaf]);
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

const constraints: NameConstraints = { permittedDns: ['example.org'], excludedDns: ['secret.example.org'], permittedIp: ['10.0.0.0/8'], permittedEmail: ['.example.org'] };

describe('name constraints', () => {
  it('are encoded as a critical extension that openssl reads and enforces', () => {
    const ok = chainWith(constraints, ['DNS:a.example.org', 'IP:10.1.2.3', 'email:ops@mail.example.org']);
    const text = x509Text(ok.intPem);
    expect(text).toMatch(/X509v3 Name Constraints: critical/);
    expect(text).toMatch(/Permitted:\s+DNS:example.org\s+IP:10.0.0.0\/255.0.0.0\s+email:.example.org/);
    expect(text).toMatch(/Excluded:\s+DNS:secret.example.org/);
    expect(opensslVerify(ok)).toContain('OK');
    expect(opensslVerify(chainWith(constraints, ['DNS:a.evil.org']))).toMatch(/permitted subtree violation/);
    expect(opensslVerify(chainWith(constraints, ['DNS:x.secret.example.org']))).toMatch(/excluded subtree violation/);
  });

  it.each([
    [['DNS:example.org', 'DNS:deep.a.example.org', 'IP:10.255.0.1', 'email:me@x.example.org'], null],
    [['DNS:example.org.evil.com'], 'outside'],
    [['DNS:notexample.org'], 'outside'],
    [['DNS:secret.example.org'], 'excluded'],
    [['DNS:*.secret.example.org'], 'excluded'],
    [['IP:192.168.0.1'], 'outside'],
    [['IP:2001:db8::1'], 'outside'],
    [['email:me@example.org'], 'outside'],
  ])('at issuance, the same as openssl: %j → %s', (names, expected) => {
    const check = () => checkNameConstraints(parseSans(names), [normaliseNameConstraints(constraints)]);
    if (expected === null) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_VIOLATION', message: expect.stringContaining(expected) }));
    // openssl agrees (wildcards aside: openssl does not treat them specially).
    if (!names.some((n) => n.includes('*'))) expect(/OK/.test(opensslVerify(chainWith(constraints, names)))).toBe(expected === null);
  });

  it.each([
    // Excluded: any excluded subtree at or under the wildcard's parent domain, or above it.
    [{ excludedDns: ['vault.corp.example'] }, '*.corp.example', 'excluded'],
    [{ excludedDns: ['.x.corp.example'] }, '*.corp.example', 'excluded'],
    [{ excludedDns: ['a.b.corp.example'] }, '*.corp.example', 'excluded'],
    [{ excludedDns: ['corp.example'] }, '*.corp.example', 'excluded'],
    [{ excludedDns: ['.corp.example'] }, '*.corp.example', 'excluded'],
    [{ excludedDns: ['example'] }, '*.corp.example', 'excluded'],
    [{ permittedDns: ['example.org'], excludedDns: ['secret.example.org'] }, '*.example.org', 'excluded'],
    [{ excludedDns: ['vault.corp.example'] }, '*.other.example', null],
    [{ excludedDns: ['vault.corp.example'] }, '*.xcorp.example', null],
    // Permitted: only when the wildcard's parent domain is within a permitted base.
    [{ permittedDns: ['apps.example.org'] }, '*.apps.example.org', null],
    [{ permittedDns: ['apps.example.org'] }, '*.x.apps.example.org', null],
    [{ permittedDns: ['.apps.example.org'] }, '*.apps.example.org', null],
    [{ permittedDns: ['x.apps.example.org'] }, '*.apps.example.org', 'outside'],
    [{ permittedDns: ['.x.apps.example.org'] }, '*.apps.example.org', 'outside'],
    [{ permittedDns: ['apps.example.org'] }, '*.example.org', 'outside'],
  ] as Array<[NameConstraints, string, string | null]>)('a wildcard against %j: %s → %s', (c, name, expected) => {
    const check = () => checkNameConstraints(parseSans([name]), [normaliseNameConstraints(c)]);
    if (expected === null) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_VIOLATION', message: expect.stringContaining(expected) }));
  });

  it.each([
    ['evil.example.org', { permittedDns: ['apps.example.org'] }, 'DNS:web.apps.example.org', 'outside'],
    ['EVIL.example.org.', { permittedDns: ['apps.example.org'] }, 'DNS:web.apps.example.org', 'outside'],
    ['*.corp.example', { excludedDns: ['vault.corp.example'] }, 'DNS:web.other.example', 'excluded'],
    ['10.1.2.3', { excludedIp: ['10.0.0.0/8'] }, 'IP:192.0.2.1', 'excluded'],
    ['[2001:db8::1]', { permittedIp: ['10.0.0.0/8'] }, 'IP:10.0.0.1', 'outside'],
    ['ops@evil.org', { permittedEmail: ['.example.org'] }, 'email:ops@mail.example.org', 'outside'],
    ['web.apps.example.org', { permittedDns: ['apps.example.org'] }, 'DNS:web.apps.example.org', null],
    // Free text is not a name: nothing to constrain.
    ['Web frontend', { permittedDns: ['apps.example.org'] }, 'DNS:web.apps.example.org', null],
    ['svc_backup', { permittedDns: ['apps.example.org'] }, 'DNS:web.apps.example.org', null],
  ] as Array<[string, NameConstraints, string, string | null]>)('checks the subject CN %j too (%j, SAN %s) → %s', (cn, c, san, expected) => {
    const check = () => checkNameConstraints(parseSans([san]), [normaliseNameConstraints(c)], cn);
    expect(() => checkNameConstraints(parseSans([san]), [normaliseNameConstraints(c)])).not.toThrow();
    if (expected === null) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_VIOLATION', message: expect.stringMatching(new RegExp(`^CN "[^"]+" is ${expected}`)), details: expect.objectContaining({ field: 'CN' }) }));
  });

  it('refuses a CN written like a name that is not a valid one, before any constraint', () => {
    for (const cn of [`${'a'.repeat(64)}.example.org`, '::ffff:10.0.0.1', 'a..b']) {
      expect(() => checkNameConstraints([], [{ permittedDns: ['example.org'] }], cn)).toThrow(expect.objectContaining({ code: 'SAN_INVALID' }));
    }
    expect(() => checkNameConstraints([], [], 'anything.evil.org')).not.toThrow();
    // Without constraints the CN is the profile's business only.
    expect(() => checkNameConstraints([], [], 'a..b')).not.toThrow();
  });

  it('applies every CA of the chain on its own', () => {
    const outer = { permittedDns: ['example.org'] };
    const inner = { permittedDns: ['team.example.org'] };
    expect(() => checkNameConstraints(parseSans(['DNS:x.team.example.org']), [outer, inner])).not.toThrow();
    expect(() => checkNameConstraints(parseSans(['DNS:x.example.org']), [outer, inner])).toThrow(/permitted names \(team.example.org\)/);
  });

  it.each([
    ['User@Example.ORG', 'user@example.org'],
    ['Example.org', 'example.org'],
    ['.Mail.Example.org.', '.mail.example.org'],
    ['.bücher.example', '.xn--bcher-kva.example'],
  ])('takes the email constraint %j as %j (a mailbox, a host, or a domain)', (input, out) => {
    expect(normaliseNameConstraints({ permittedEmail: [input], excludedEmail: [input] })).toEqual({ permittedEmail: [out], excludedEmail: [out] });
  });

  it.each([['@@'], ['@'], ['a@'], ['@example.org'], ['a b@example.org'], ['a@b@example.org'], ['.a@example.org'], ['user@*.example.org'], ['user@exa mple.org'], ['.'], ['..example.org'], ['*.example.org'], ['example..org'], ['exa_mple.org']])(
    'refuses the email constraint %j',
    (input) => {
      for (const side of ['permittedEmail', 'excludedEmail'] as const) {
        expect(() => normaliseNameConstraints({ [side]: [input] })).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_INVALID', status: 400, details: { value: input } }));
      }
    },
  );

  it('refuses malformed constraints with the value named', () => {
    expect(() => normaliseNameConstraints({ permittedIp: ['10.0.0.0'] })).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_INVALID', details: { value: '10.0.0.0' } }));
    expect(() => normaliseNameConstraints({ permittedDns: ['bad..name'] })).toThrow(expect.objectContaining({ code: 'NAME_CONSTRAINT_INVALID' }));
  });
});
