import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../lib/errors/index.js';
import { verifyUploadedChain, type VerifiedChain } from '../../../lib/x509/path.js';
import { encodeName, toPem } from '../../../lib/x509/index.js';
import { CA_EXT, ExternalPki, ourCaCsr, type Issuer } from '../../support/externalCa.js';
import { makeCsr, openssl, tempDir } from '../../support/openssl.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const pki = new ExternalPki(tmp.dir);
const day = 86_400_000;

const KEY_IDS = ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'];
const caExt = (bc: string, ...more: string[]) => [`basicConstraints = ${bc}`, 'keyUsage = critical,keyCertSign,cRLSign', ...KEY_IDS, ...more];

// root → external intermediate → our CA (key from node:crypto, CSR from csrBuilder, signed by `openssl ca`)
const root = pki.root('Ext Root');
const extInt = pki.issue(root, { cn: 'Ext Intermediate' }) as Issuer;
const ours = ourCaCsr(tmp.dir, { CN: 'Tenant CA', O: 'Tenant' });
/** Our CA certificate under `issuer`: the CA extensions copied from our CSR, key identifiers and `extra` added. */
const ourCert = (issuer: Issuer, extra: string[] = [], csrPath = ours.csrPath) => pki.issue(issuer, { csrPath, via: 'ca', copyExtensions: true, ext: [...KEY_IDS, ...extra] }).pem;
const goodCert = ourCert(extInt);

const der = (pem: string) => new X509Certificate(pem).raw;
const crlf = (pem: string) => pem.replace(/\r?\n/g, '\r\n');

function verify(certificatePem: string, bundle: string[] | string, opts: { now?: Date; spki?: Buffer } = {}): VerifiedChain {
  return verifyUploadedChain({ certificatePem, bundlePem: Array.isArray(bundle) ? bundle.join('\n') : bundle, expectedSpkiDer: opts.spki ?? ours.spkiDer, now: opts.now ?? new Date() });
}

/** The AppError a call throws; fails the test if it returns. */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal, but the chain was accepted');
}

/** openssl's own verdict on the same chain, with the root as the only trust anchor. */
function opensslVerdict(certPem: string, untrusted: string[], rootPem = root.pem): string {
  const p = (n: string) => join(tmp.dir, `${n}-${Math.random().toString(36).slice(2)}.pem`);
  const [r, u, c] = [p('root'), p('untrusted'), p('cert')];
  writeFileSync(r, rootPem);
  writeFileSync(u, untrusted.join('\n'));
  writeFileSync(c, certPem);
  try {
    return openssl(['verify', '-x509_strict', '-CAfile', r, ...(untrusted.length ? ['-untrusted', u] : []), c]);
  } catch (e) {
    return String((e as { stdout?: string; stderr?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? e);
  }
}

describe('verifyUploadedChain', () => {
  it('accepts a good chain given in any order, with text between the blocks, CRLF and duplicates', () => {
    expect(goodCert).toMatch(/^Certificate:/); // `openssl ca` output: a text dump, then the PEM block
    expect(opensslVerdict(goodCert, [extInt.pem])).toMatch(/: OK/);
    const bundle = `Bundle for our CA\r\n\r\n${crlf(root.pem)}\r\nsubject=CN=Ext Intermediate\r\nissuer=CN=Ext Root\r\n${crlf(extInt.pem)}\r\n${root.pem}trailing words\n`;
    const r = verify(goodCert, bundle);

    expect(r.chainPem.map(der)).toEqual([der(extInt.pem), der(root.pem)]);
    expect(r.certificatePem).toBe(toPem(der(goodCert), 'CERTIFICATE'));
    const x = new X509Certificate(goodCert);
    expect(r.notAfter.getTime()).toBe(Date.parse(x.validTo));
    expect(r.notBefore.getTime()).toBe(Date.parse(x.validFrom));
    expect(r.pathNotAfter.getTime()).toBe(Math.min(...[goodCert, extInt.pem, root.pem].map((p) => Date.parse(new X509Certificate(p).validTo))));
    expect(r.pathLenConstraint).toBeUndefined();
    expect(r.nameConstraints).toEqual([]);
    expect(r.subject).toBe('O=Tenant,CN=Tenant CA');
    expect(r.subjectDer.equals(encodeName({ CN: 'Tenant CA', O: 'Tenant' }))).toBe(true);
    expect(r.subjectKeyId?.toString('hex').toUpperCase()).toBe(/Subject Key Identifier:\s+([0-9A-F:]+)/.exec(openssl(['x509', '-noout', '-text'], goodCert))![1].replace(/:/g, ''));

    // openssl agrees with the order we return.
    expect(opensslVerdict(r.certificatePem, r.chainPem.slice(0, -1), r.chainPem[r.chainPem.length - 1])).toMatch(/: OK/);
  });

  it('drops unrelated certificates of the bundle', () => {
    const unrelated = pki.root('Someone Else');
    const r = verify(goodCert, [unrelated.pem, root.pem, extInt.pem]);
    expect(r.chainPem.map(der)).toEqual([der(extInt.pem), der(root.pem)]);
  });

  it('CERTIFICATE_MALFORMED when the certificate field holds more than the one certificate (no silent pick of the first)', () => {
    for (const field of [`${goodCert}\n${root.pem}\n${extInt.pem}`, `${extInt.pem}${goodCert}`, `${goodCert}${ours.csrPem}`]) {
      const e = refusal(() => verify(field, [root.pem, extInt.pem]));
      expect(e).toMatchObject({ code: 'CERTIFICATE_MALFORMED', status: 400, details: { part: 'certificate' } });
      expect(e.message).toMatch(/holds \d PEM blocks; give only the certificate issued for this CA's CSR/);
    }
  });

  it('CHAIN_INCOMPLETE when the root is missing, naming the certificate whose issuer is absent', () => {
    const e = refusal(() => verify(goodCert, [extInt.pem]));
    expect(e.code).toBe('CHAIN_INCOMPLETE');
    expect(e.status).toBe(400);
    expect(e.details).toMatchObject({ link: 2, subject: 'CN=Ext Intermediate', issuer: 'CN=Ext Root' });
    expect(e.message).toMatch(/^link 2: the bundle has no certificate for "CN=Ext Root", the issuer of "CN=Ext Intermediate"/);

    const empty = refusal(() => verify(goodCert, ''));
    expect(empty.code).toBe('CHAIN_INCOMPLETE');
    expect(empty.details).toMatchObject({ link: 1, subject: 'O=Tenant,CN=Tenant CA' });
  });

  it('CHAIN_INVALID for a wrong intermediate of the same name, naming the link; the right one is found among several', () => {
    const impostor = pki.issue(root, { cn: 'Ext Intermediate' }) as Issuer;
    const e = refusal(() => verify(goodCert, [impostor.pem, root.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.details).toEqual({ link: 1, subject: 'O=Tenant,CN=Tenant CA' });
    expect(e.message).toMatch(/^link 1: "O=Tenant,CN=Tenant CA" is not signed by the key of the bundle's "CN=Ext Intermediate"/);
    expect(e.message).toMatch(/authority key identifier does not match/);

    expect(verify(goodCert, [impostor.pem, root.pem, extInt.pem]).chainPem.map(der)).toEqual([der(extInt.pem), der(root.pem)]);
  });

  it('CHAIN_INVALID for a wrong root of the same name (link 2)', () => {
    const otherRoot = pki.root('Ext Root');
    const e = refusal(() => verify(goodCert, [extInt.pem, otherRoot.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.details).toEqual({ link: 2, subject: 'CN=Ext Intermediate' });
  });

  it('CHAIN_INVALID when the external intermediate is not a CA', () => {
    const notCa = pki.issue(root, { cn: 'Ext Intermediate', ext: ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyCertSign', ...KEY_IDS] }) as Issuer;
    const cert = ourCert(notCa);
    expect(opensslVerdict(cert, [notCa.pem])).toMatch(/invalid CA certificate|error/);
    const e = refusal(() => verify(cert, [root.pem, notCa.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toBe('link 2: "CN=Ext Intermediate" is not a CA (basicConstraints cA false).');
    expect(e.details).toEqual({ link: 2, subject: 'CN=Ext Intermediate' });

    const noBc = pki.issue(root, { cn: 'Ext Intermediate', ext: ['keyUsage = critical,keyCertSign', ...KEY_IDS] }) as Issuer;
    expect(refusal(() => verify(ourCert(noBc), [root.pem, noBc.pem])).message).toMatch(/^link 2: .* is not a CA \(no basicConstraints extension\)/);
  });

  it('CHAIN_INVALID when an issuer\'s keyUsage forbids signing certificates', () => {
    const signOnly = pki.issue(root, { cn: 'Ext Intermediate', ext: caExt('critical,CA:TRUE').map((l) => (l.startsWith('keyUsage') ? 'keyUsage = critical,digitalSignature' : l)) }) as Issuer;
    const e = refusal(() => verify(ourCert(signOnly), [root.pem, signOnly.pem]));
    expect(e.message).toMatch(/^link 2: "CN=Ext Intermediate" may not sign certificates \(keyUsage lacks keyCertSign\)/);
  });

  it('CHAIN_INVALID when our own certificate was not issued as a CA', () => {
    const leafLike = pki.issue(extInt, { csrPath: ours.csrPath, ext: ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', ...KEY_IDS] }).pem;
    const e = refusal(() => verify(leafLike, [root.pem, extInt.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toBe('link 1: "O=Tenant,CN=Tenant CA" is not a CA (basicConstraints cA false).');
    // A CA flag without keyCertSign (keyUsage stripped by the external CA's profile) is not enough either.
    const noKu = pki.issue(extInt, { csrPath: ours.csrPath, ext: ['basicConstraints = critical,CA:TRUE', ...KEY_IDS] }).pem;
    expect(refusal(() => verify(noKu, [root.pem, extInt.pem])).message).toMatch(/^link 1: .* may not sign certificates \(no keyUsage extension\)/);
  });

  it('CA_CERTIFICATE_KEY_USAGE when our certificate may sign certificates but not CRLs (openssl -crl_check would reject our CRLs)', () => {
    const noCrlSign = ourCert(extInt, ['keyUsage = critical,keyCertSign']);
    expect(openssl(['x509', '-noout', '-ext', 'keyUsage'], noCrlSign)).not.toMatch(/CRL Sign/);
    const e = refusal(() => verify(noCrlSign, [root.pem, extInt.pem]));
    expect(e).toMatchObject({ code: 'CA_CERTIFICATE_KEY_USAGE', status: 400, details: { subject: 'O=Tenant,CN=Tenant CA', missing: ['cRLSign'] } });
    expect(e.message).toMatch(/lacks cRLSign/);
    // Issuers above need not sign CRLs for us: only keyCertSign is asked of them.
    const intNoCrl = pki.issue(root, { cn: 'Ext Intermediate', ext: caExt('critical,CA:TRUE').map((l) => (l.startsWith('keyUsage') ? 'keyUsage = critical,keyCertSign' : l)) }) as Issuer;
    expect(verify(ourCert(intNoCrl), [root.pem, intNoCrl.pem]).chainPem).toHaveLength(2);
  });

  it('pathLenConstraint 0 on the external intermediate leaves no room for our CA', () => {
    const int0 = pki.issue(root, { cn: 'Ext Intermediate', ext: caExt('critical,CA:TRUE,pathlen:0') }) as Issuer;
    const cert = ourCert(int0);
    // openssl sees it as soon as our CA issues anything.
    const ourIssuer: Issuer = { certPath: join(tmp.dir, 'ours-under-int0.pem'), keyPath: join(tmp.dir, 'ours.key'), pem: cert };
    writeFileSync(ourIssuer.certPath, cert);
    writeFileSync(ourIssuer.keyPath, ours.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const leaf = pki.issue(ourIssuer, { cn: 'leaf.example.org', ext: ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature', ...KEY_IDS] }).pem;
    expect(opensslVerdict(leaf, [cert, int0.pem])).toMatch(/path length constraint exceeded/);
    expect(opensslVerdict(leaf, [ourCert(extInt), extInt.pem])).toMatch(/: OK/);
    const e = refusal(() => verify(cert, [int0.pem, root.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.details).toEqual({ link: 2, subject: 'CN=Ext Intermediate' });
    expect(e.message).toMatch(/^link 2: "CN=Ext Intermediate" has pathLenConstraint 0, yet 1 CA certificate would follow it/);
  });

  it('counts every CA below a root with a pathLenConstraint', () => {
    const root1 = pki.root('Short Root', caExt('critical,CA:TRUE,pathlen:1'));
    const int = pki.issue(root1, { cn: 'Ext Intermediate' }) as Issuer;
    const e = refusal(() => verify(ourCert(int), [int.pem, root1.pem]));
    expect(e.details).toEqual({ link: 3, subject: 'CN=Short Root' });
    expect(e.message).toMatch(/pathLenConstraint 1, yet 2 CA certificates would follow it/);
  });

  it('returns the pathLenConstraint left for our CA: the least over the path, depth counted', () => {
    const root5 = pki.root('Deep Root', caExt('critical,CA:TRUE,pathlen:5'));
    const int2 = pki.issue(root5, { cn: 'Ext Intermediate', ext: caExt('critical,CA:TRUE,pathlen:2') }) as Issuer;
    const own3 = ourCaCsr(tmp.dir, { CN: 'Tenant CA' }, 'EC-P256', { basicConstraintsCa: true, pathLen: 3 });
    const r = verify(ourCert(int2, [], own3.csrPath), [root5.pem, int2.pem], { spki: own3.spkiDer });
    expect(r.pathLenConstraint).toBe(1); // min(own 3, root 5 - 2 below, intermediate 2 - 1 below)
    const own0 = ourCaCsr(tmp.dir, { CN: 'Tenant CA' }, 'EC-P256', { basicConstraintsCa: true, pathLen: 0 });
    expect(verify(ourCert(int2, [], own0.csrPath), [root5.pem, int2.pem], { spki: own0.spkiDer }).pathLenConstraint).toBe(0);
  });

  it('CHAIN_INVALID for an expired external intermediate, and for any link outside its validity at `now`', () => {
    const expired = pki.issue(root, { cn: 'Ext Intermediate', via: 'ca', startdate: '20200101000000Z', enddate: '20200201000000Z' }) as Issuer;
    const cert = ourCert(expired);
    expect(opensslVerdict(cert, [expired.pem])).toMatch(/certificate has expired/);
    const e = refusal(() => verify(cert, [expired.pem, root.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toBe('link 2: "CN=Ext Intermediate" expired at 2020-02-01T00:00:00.000Z.');

    expect(refusal(() => verify(goodCert, [extInt.pem, root.pem], { now: new Date(Date.now() + 25 * day) })).details).toEqual({ link: 1, subject: 'O=Tenant,CN=Tenant CA' });
    expect(refusal(() => verify(goodCert, [extInt.pem, root.pem], { now: new Date(Date.now() - day) })).message).toMatch(/^link 1: .* is not valid before/);
  });

  it('CERTIFICATE_KEY_MISMATCH for a certificate of another key than our CSR', () => {
    const other = makeCsr(tmp.dir, 'ec256', 'Tenant CA');
    const otherCsr = join(tmp.dir, 'other.csr');
    writeFileSync(otherCsr, other.csr);
    const cert = pki.issue(extInt, { csrPath: otherCsr, ext: caExt('critical,CA:TRUE') }).pem;
    expect(verify(cert, [extInt.pem, root.pem], { spki: derSpki(other.keyPath) }).subject).toBe('CN=Tenant CA');
    const e = refusal(() => verify(cert, [extInt.pem, root.pem]));
    expect(e.code).toBe('CERTIFICATE_KEY_MISMATCH');
    expect(e.message).toMatch(/different key than this CA's certificate request/);
  });

  describe('name constraints', () => {
    const ncRoot = pki.root('NC Root', [...CA_EXT, 'nameConstraints = critical,permitted;DNS:example.org,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:secret.example.org']);
    const ncInt = pki.issue(ncRoot, { cn: 'NC Intermediate' }) as Issuer;

    it('of the external root are enforced on our CA\'s SANs (link 1, constrained by link 3)', () => {
      const bad = ourCert(ncInt, ['subjectAltName = DNS:ca.evil.org']);
      expect(opensslVerdict(bad, [ncInt.pem], ncRoot.pem)).toMatch(/permitted subtree violation/);
      const e = refusal(() => verify(bad, [ncInt.pem, ncRoot.pem]));
      expect(e.code).toBe('CHAIN_INVALID');
      expect(e.details).toEqual({ link: 1, subject: 'O=Tenant,CN=Tenant CA', constrainedBy: 3 });
      expect(e.message).toMatch(/^link 1: "O=Tenant,CN=Tenant CA" violates the name constraints of link 3, "CN=NC Root": "ca.evil.org" is outside/);

      const excluded = refusal(() => verify(ourCert(ncInt, ['subjectAltName = DNS:x.secret.example.org']), [ncInt.pem, ncRoot.pem]));
      expect(excluded.message).toMatch(/"x.secret.example.org" is excluded/);
      expect(refusal(() => verify(ourCert(ncInt, ['subjectAltName = IP:192.168.1.1']), [ncInt.pem, ncRoot.pem])).message).toMatch(/"192.168.1.1" is outside/);
    });

    it('are returned for issuance when our CA is within them', () => {
      const good = ourCert(ncInt, ['subjectAltName = DNS:ca.example.org, IP:10.1.2.3']);
      expect(opensslVerdict(good, [ncInt.pem], ncRoot.pem)).toMatch(/: OK/);
      const r = verify(good, [ncRoot.pem, ncInt.pem]);
      expect(r.nameConstraints).toEqual([{ permittedDns: ['example.org'], excludedDns: ['secret.example.org'], permittedIp: ['10.0.0.0/8'] }]);
    });

    it('apply to the external intermediates too (link 2)', () => {
      const wideInt = pki.issue(ncRoot, { cn: 'NC Intermediate', ext: [...CA_EXT, 'subjectAltName = DNS:int.other.net'] }) as Issuer;
      const e = refusal(() => verify(ourCert(wideInt, ['subjectAltName = DNS:ca.example.org']), [wideInt.pem, ncRoot.pem]));
      expect(e.details).toEqual({ link: 2, subject: 'CN=NC Intermediate', constrainedBy: 3 });
    });

    it('of forms the service cannot enforce are refused', () => {
      const dirRoot = pki.root('Dir Root', [...CA_EXT, 'nameConstraints = critical,permitted;dirName:dir_sect', '[dir_sect]', 'O = Tenant']);
      const int = pki.issue(dirRoot, { cn: 'Ext Intermediate' }) as Issuer;
      const e = refusal(() => verify(ourCert(int), [int.pem, dirRoot.pem]));
      expect(e.details).toEqual({ link: 3, subject: 'CN=Dir Root' });
      expect(e.message).toMatch(/directoryName names, which this service cannot enforce/);
    });
  });

  it('CHAIN_INVALID for an unknown critical extension anywhere on the path', () => {
    const odd = pki.issue(root, { cn: 'Ext Intermediate', ext: [...CA_EXT, '1.3.6.1.4.1.99999.1 = critical,ASN1:NULL'] }) as Issuer;
    const e = refusal(() => verify(ourCert(odd), [odd.pem, root.pem]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.message).toBe('link 2: "CN=Ext Intermediate" has the critical extension 1.3.6.1.4.1.99999.1, which this service does not process.');
    // The same extension, not critical, is fine.
    const mild = pki.issue(root, { cn: 'Ext Intermediate', ext: [...CA_EXT, '1.3.6.1.4.1.99999.1 = ASN1:NULL'] }) as Issuer;
    expect(verify(ourCert(mild), [mild.pem, root.pem]).chainPem).toHaveLength(2);
  });

  it('CHAIN_INVALID when the root\'s self-signature does not verify', () => {
    const raw = Buffer.from(der(root.pem));
    raw[raw.length - 1] ^= 0x01;
    const e = refusal(() => verify(goodCert, [extInt.pem, toPem(raw, 'CERTIFICATE')]));
    expect(e.code).toBe('CHAIN_INVALID');
    expect(e.details).toEqual({ link: 3, subject: 'CN=Ext Root' });
    expect(e.message).toMatch(/self-signature does not verify/);
  });

  it('refuses what is not a certificate bundle', () => {
    const key = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    expect(refusal(() => verify(goodCert, [extInt.pem, key, root.pem])).code).toBe('CHAIN_MALFORMED');
    expect(refusal(() => verify(goodCert, [extInt.pem, '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----'])).details).toEqual({ part: 'bundle', block: 2 });
    expect(refusal(() => verify(goodCert, ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'])).code).toBe('CHAIN_MALFORMED');
    expect(refusal(() => verify(goodCert, [extInt.pem, root.pem.replace(/-----END CERTIFICATE-----\s*$/, '')])).code).toBe('CHAIN_MALFORMED');
    expect(refusal(() => verify('no certificate here', [extInt.pem, root.pem])).code).toBe('CERTIFICATE_MALFORMED');
    // Self-signed by our own key: not what an external CA issued.
    expect(refusal(() => verify(root.pem, [extInt.pem], { spki: derSpki(root.keyPath) })).message).toMatch(/^link 1: "CN=Ext Root" is self-signed/);
  });
});

function derSpki(keyPath: string): Buffer {
  return Buffer.from(openssl(['pkey', '-in', keyPath, '-pubout', '-outform', 'PEM']).replace(/-----[^-]+-----|\s/g, ''), 'base64');
}
