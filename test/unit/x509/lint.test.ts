import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors/index.js';
import { algorithmIdentifier } from '../../../lib/x509/certificate.js';
import { children, readTlv, slice } from '../../../lib/x509/der.js';
import { bitString, boolean, explicit, nullValue, octetString, oid, printableString, sequence, set, smallInteger, time, tlv, unsignedInteger } from '../../../lib/x509/derWriter.js';
import {
  assembleCertificate,
  buildTbsCertificate,
  encodeName,
  newSerial,
  parseSans,
  pemToDer,
  signatureAlgorithmFor,
  subjectKeyIdentifier,
  type KeyType,
  type SignatureAlgorithm,
  type San,
} from '../../../lib/x509/index.js';
import { assertLintClean, lintCertificate, type LintFinding } from '../../../lib/x509/lint.js';
import { OID } from '../../../lib/x509/oids.js';
import { makeCsr, makeOpensslChain, openssl, tempDir } from '../../support/openssl.js';
import { keyPairFor } from '../../support/keys.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const DAY = 86_400_000;
const errors = (f: LintFinding[]) => f.filter((x) => x.severity === 'error').map((x) => x.code);
const codes = (f: LintFinding[]) => [...new Set(f.map((x) => x.code))].sort();

// ---------------------------------------------------------------------------------------------
// Keys, made once

interface Key {
  type: KeyType;
  privateKey: KeyObject;
  spki: Buffer;
  ski: Buffer;
  alg: SignatureAlgorithm;
}


function newKey(type: KeyType): Key {
  const { privateKey, publicKey } = keyPairFor(type);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { type, privateKey, spki, ski: subjectKeyIdentifier(spki), alg: signatureAlgorithmFor(type) };
}

const KEYS = { rsa: newKey('RSA-2048'), ec: newKey('EC-P256'), ec384: newKey('EC-P384'), ed: newKey('Ed25519') };

// ---------------------------------------------------------------------------------------------
// Certificates the way the service makes them: lib/x509's builder

interface Issued {
  der: Buffer;
  name: Buffer;
  key: Key;
}

function libCert(o: { key: Key; subject: Buffer; issuer?: Issued; profile: 'ca' | 'leaf'; pathLen?: number; sans?: San[]; aki?: boolean; notAfter?: Date }): Issued {
  const signer = o.issuer?.key ?? o.key;
  const tbs = buildTbsCertificate({
    serial: newSerial(),
    signatureAlgorithm: signer.alg,
    issuerDer: o.issuer?.name ?? o.subject,
    subjectDer: o.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: o.notAfter ?? new Date(Date.now() + (o.profile === 'ca' ? 3650 : 90) * DAY),
    spkiDer: o.key.spki,
    profile: o.profile,
    pathLen: o.pathLen,
    subjectKeyType: o.key.type,
    authorityKeyId: o.aki === false ? undefined : signer.ski,
    sans: o.sans,
  });
  return { der: assembleCertificate(tbs, signer.alg, sign(signer.alg.hash, tbs, signer.privateKey)), name: o.subject, key: o.key };
}

// ---------------------------------------------------------------------------------------------
// Certificates by hand: every field replaceable, to corrupt one thing at a time

const ext = (extOid: string, critical: boolean | 'explicit-false', value: Buffer) =>
  sequence(oid(extOid), ...(critical === 'explicit-false' ? [boolean(false)] : critical ? [boolean(true)] : []), octetString(value));

/** KeyUsage as DER: bit 0 the most significant, trailing zero bits dropped. */
function kuBits(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 1 << (15 - b);
  if (!v) return bitString(Buffer.alloc(0));
  const bytes = v & 0xff ? Buffer.from([v >> 8, v & 0xff]) : Buffer.from([v >> 8]);
  const last = bytes[bytes.length - 1];
  let unused = 0;
  while (!(last & (1 << unused))) unused++;
  return bitString(bytes, unused);
}

const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 };
const dns = (s: string) => tlv(0x82, Buffer.from(s, 'latin1'));
const ipName = (b: number[]) => tlv(0x87, Buffer.from(b));
const email = (s: string) => tlv(0x81, Buffer.from(s, 'latin1'));

const EXT = {
  bcLeaf: () => ext(OID.basicConstraints, true, sequence()),
  bcCa: (pathLen?: number, critical = true) => ext(OID.basicConstraints, critical, sequence(boolean(true), ...(pathLen === undefined ? [] : [smallInteger(pathLen)]))),
  ku: (bits: number[], critical = true) => ext(OID.keyUsage, critical, kuBits(bits)),
  eku: (...oids: string[]) => ext(OID.extKeyUsage, false, sequence(...oids.map((o) => oid(o)))),
  ski: (id: Buffer, critical = false) => ext(OID.subjectKeyIdentifier, critical, octetString(id)),
  aki: (id: Buffer, critical = false) => ext(OID.authorityKeyIdentifier, critical, sequence(tlv(0x80, id))),
  san: (names: Buffer[], critical = false) => ext(OID.subjectAltName, critical, sequence(...names)),
};

type ExtSlot = 'bc' | 'ku' | 'eku' | 'ski' | 'aki' | 'san';

interface HandOpts {
  profile?: 'leaf' | 'ca';
  key?: Key;
  signer?: Key;
  /** Signing digest override (SHA-1); the algorithm identifier is then `outerAlg`. */
  hash?: string;
  version?: Buffer | null;
  serial?: Buffer;
  tbsAlg?: Buffer;
  outerAlg?: Buffer;
  issuer?: Buffer;
  subject?: Buffer;
  notBefore?: Buffer;
  notAfter?: Buffer;
  spki?: Buffer;
  uniqueIds?: Buffer[];
  ext?: Partial<Record<ExtSlot, Buffer | null>>;
  extra?: Buffer[];
  /** Replaces the whole extension list; null leaves out the [3] field. */
  extensions?: Buffer[] | null;
  signature?: (sig: Buffer) => Buffer;
}

const ROOT_NAME = encodeName({ CN: 'Lint Root CA', O: 'Lint Test' });
const HAND_CA_NAME = encodeName({ CN: 'Hand Root CA', O: 'Lint Test' });
const LEAF_NAME = encodeName({ CN: 'leaf.example.org' });

/** The CA every hand-made leaf is signed by: a lib/x509 root, EC P-256. */
const ROOT = libCert({ key: KEYS.ec384, subject: ROOT_NAME, profile: 'ca' });

/**
 * A leaf (default: signed by ROOT, EC key) or a self-signed CA, with the same profile as
 * lib/x509 writes; `o` replaces single fields.
 */
function hand(o: HandOpts = {}): Buffer {
  const profile = o.profile ?? 'leaf';
  const key = o.key ?? (profile === 'leaf' ? KEYS.ec : KEYS.rsa);
  const signer = o.signer ?? (profile === 'leaf' ? ROOT.key : key);
  const subject = o.subject ?? (profile === 'leaf' ? LEAF_NAME : HAND_CA_NAME);
  const issuer = o.issuer ?? (profile === 'leaf' ? ROOT_NAME : subject);
  const defaults: Record<ExtSlot, Buffer | null> =
    profile === 'leaf'
      ? {
          bc: EXT.bcLeaf(),
          ku: EXT.ku(key.type.startsWith('RSA') ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature]),
          eku: EXT.eku(OID.serverAuth, OID.clientAuth),
          ski: EXT.ski(key.ski),
          aki: EXT.aki(signer.ski),
          san: EXT.san([dns('leaf.example.org'), ipName([192, 0, 2, 7])]),
        }
      : { bc: EXT.bcCa(), ku: EXT.ku([KU.digitalSignature, KU.keyCertSign, KU.cRLSign]), eku: null, ski: EXT.ski(key.ski), aki: EXT.aki(signer.ski), san: null };
  const slots = { ...defaults, ...o.ext };
  const exts = o.extensions !== undefined ? o.extensions : [...(['bc', 'ku', 'eku', 'ski', 'aki', 'san'] as const).map((s) => slots[s]).filter((b): b is Buffer => !!b), ...(o.extra ?? [])];
  const outerAlg = o.outerAlg ?? algorithmIdentifier(signer.alg);
  const fields = [
    o.version === undefined ? explicit(0, smallInteger(2)) : o.version,
    o.serial ?? unsignedInteger(newSerial()),
    o.tbsAlg ?? outerAlg,
    issuer,
    sequence(o.notBefore ?? time(new Date(Date.now() - 60_000)), o.notAfter ?? time(new Date(Date.now() + (profile === 'leaf' ? 90 : 3650) * DAY))),
    subject,
    o.spki ?? key.spki,
    ...(o.uniqueIds ?? []),
    exts === null ? null : explicit(3, sequence(...exts)),
  ].filter((b): b is Buffer => !!b);
  const tbs = sequence(...fields);
  const sig = sign(o.hash ?? signer.alg.hash, tbs, signer.privateKey);
  return sequence(tbs, outerAlg, bitString(o.signature ? o.signature(sig) : sig));
}

const lintLeaf = (der: Buffer, extra: { issuerDer?: Buffer; now?: Date; signatureChecked?: boolean } = {}) => lintCertificate(der, { kind: 'leaf', issuerDer: ROOT.der, ...extra });
const lintRoot = (der: Buffer, extra: { issuerDer?: Buffer; now?: Date } = {}) => lintCertificate(der, { kind: 'root', ...extra });

// ---------------------------------------------------------------------------------------------

describe('certificates built by lib/x509 lint clean', () => {
  for (const caKey of [KEYS.rsa, KEYS.ec, KEYS.ec384, KEYS.ed]) {
    it(`${caKey.type} root → intermediate → RSA, EC and Ed25519 leaves`, () => {
      const root = libCert({ key: caKey, subject: encodeName({ CN: `${caKey.type} Root`, O: 'Lint', C: 'DE' }), profile: 'ca', pathLen: 1 });
      expect(lintCertificate(root.der, { kind: 'root' })).toEqual([]);
      expect(lintCertificate(root.der, { kind: 'root', issuerDer: root.der })).toEqual([]);
      const intermediate = libCert({ key: KEYS.ec, subject: encodeName({ CN: `${caKey.type} Intermediate`, O: 'Lint' }), issuer: root, profile: 'ca', pathLen: 0, notAfter: new Date(Date.now() + 1000 * DAY) });
      expect(lintCertificate(intermediate.der, { kind: 'intermediate', issuerDer: root.der })).toEqual([]);
      for (const leafKey of [KEYS.rsa, KEYS.ec, KEYS.ed]) {
        const sans = parseSans(['web.example.org', '*.apps.example.org', 'xn--bcher-kva.example', 'IP:192.0.2.7', 'IP:2001:db8::7', 'ops@example.org']);
        for (const issuer of [root, intermediate]) {
          const leaf = libCert({ key: leafKey, subject: encodeName({ CN: 'web.example.org', O: 'Lint' }), issuer, profile: 'leaf', sans });
          expect(lintCertificate(leaf.der, { kind: 'leaf', issuerDer: issuer.der }), `${leafKey.type} leaf under ${issuer === root ? 'root' : 'intermediate'}`).toEqual([]);
        }
      }
    });
  }

  it('a root without authorityKeyIdentifier and a leaf with an empty subject', () => {
    const root = libCert({ key: KEYS.ed, subject: ROOT_NAME, profile: 'ca', aki: false });
    expect(lintCertificate(root.der, { kind: 'root' })).toEqual([]);
    // An empty subject: lib/x509 marks subjectAltName critical, as RFC 5280 requires.
    const anonymous = libCert({ key: KEYS.ec, subject: sequence(), issuer: ROOT, profile: 'leaf', sans: parseSans(['svc.example.org']) });
    expect(lintLeaf(anonymous.der)).toEqual([]);

  });

  it('the hand builder\'s baselines (what every corruption below departs from) lint clean', () => {
    expect(lintLeaf(hand())).toEqual([]);
    expect(lintLeaf(hand({ key: KEYS.rsa }))).toEqual([]);
    expect(lintLeaf(hand({ key: KEYS.ed }))).toEqual([]);
    expect(lintRoot(hand({ profile: 'ca' }))).toEqual([]);
    expect(lintRoot(hand({ profile: 'ca', key: KEYS.ed }))).toEqual([]);
  });
});

describe('certificates made by openssl', () => {
  it('a root → intermediate → leaf chain made correctly lints clean', () => {
    const chain = makeOpensslChain(tmp.dir, 'chain.example.org');
    const [root, intermediate, leaf] = [chain.rootPem, chain.intermediatePem, chain.leafPem].map((p) => pemToDer(p, ['CERTIFICATE'], 'TEST'));
    expect(lintCertificate(root, { kind: 'root' })).toEqual([]);
    expect(lintCertificate(intermediate, { kind: 'intermediate', issuerDer: root })).toEqual([]);
    expect(lintCertificate(leaf, { kind: 'leaf', issuerDer: intermediate })).toEqual([]);
    // Linted against the wrong issuer, the same leaf fails on name, key identifier and signature.
    expect(errors(lintCertificate(leaf, { kind: 'leaf', issuerDer: root }))).toEqual(['E_ISSUER_NAME_MISMATCH', 'E_AKI_MISMATCH', 'E_SIGNATURE_INVALID']);
  });

  for (const [key, leafKu] of [['rsa2048', 'digitalSignature,keyEncipherment'], ['ec384', 'digitalSignature'], ['ed25519', 'digitalSignature']] as const) {
    it(`req -x509 and x509 -req with ${key} keys lint clean`, () => {
      const p = (n: string) => join(tmp.dir, `${key}-${n}`);
      const caKey = makeCsr(tmp.dir, key, 'unused').keyPath;
      openssl(['req', '-x509', '-new', '-key', caKey, '-subj', `/O=Lint/CN=${key} openssl root`, '-days', '365', '-out', p('root.pem'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
      writeFileSync(p('ext.cnf'), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,${leafKu}\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:app.example.org,IP:192.0.2.1\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`);
      const leafCsr = makeCsr(tmp.dir, key, 'app.example.org');
      writeFileSync(p('leaf.csr'), leafCsr.csr);
      openssl(['x509', '-req', '-in', p('leaf.csr'), '-CA', p('root.pem'), '-CAkey', caKey, '-CAcreateserial', '-days', '90', '-extfile', p('ext.cnf'), '-out', p('leaf.pem')]);
      const root = pemToDer(readFileSync(p('root.pem'), 'utf8'), ['CERTIFICATE'], 'TEST');
      const leaf = pemToDer(readFileSync(p('leaf.pem'), 'utf8'), ['CERTIFICATE'], 'TEST');
      expect(lintCertificate(root, { kind: 'root' })).toEqual([]);
      expect(lintCertificate(leaf, { kind: 'leaf', issuerDer: root })).toEqual([]);
    });
  }

  it('openssl certificates made carelessly are caught: no extensions, a negative or tiny serial, a long validity', () => {
    const chain = makeOpensslChain(tmp.dir, 'careless.example.org');
    const rootPem = join(tmp.dir, 'careless-root.pem');
    writeFileSync(rootPem, chain.rootPem);
    // makeOpensslChain left its keys in tmp.dir; re-sign a fresh leaf CSR with the root key.
    const rootKey = join(tmp.dir, 'root.key-careless.example.org');
    const { csr } = makeCsr(tmp.dir, 'ec256', 'careless.example.org');
    const csrPath = join(tmp.dir, 'careless.csr');
    writeFileSync(csrPath, csr);
    const root = pemToDer(chain.rootPem, ['CERTIFICATE'], 'TEST');
    const issue = (...args: string[]) => pemToDer(openssl(['x509', '-req', '-in', csrPath, '-CA', rootPem, '-CAkey', rootKey, ...args]), ['CERTIFICATE'], 'TEST');

    // Without -extfile, OpenSSL 3 writes a version 1 certificate with no extensions at all.
    expect(errors(lintCertificate(issue('-days', '10', '-set_serial', '0x1122334455667788'), { kind: 'leaf', issuerDer: root }))).toEqual(['E_VERSION_NOT_V3', 'E_AKI_MISSING', 'E_SAN_MISSING']);
    const ext = join(tmp.dir, 'careless.cnf');
    writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:careless.example.org\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    const good = ['-extfile', ext];
    expect(lintCertificate(issue('-days', '10', '-set_serial', '0x1122334455667788', ...good), { kind: 'leaf', issuerDer: root })).toEqual([]);
    expect(codes(lintCertificate(issue('-days', '10', '-set_serial', '-5', ...good), { kind: 'leaf', issuerDer: root }))).toEqual(['E_SERIAL_NOT_POSITIVE', 'W_SERIAL_LOW_ENTROPY']);
    expect(codes(lintCertificate(issue('-days', '10', '-set_serial', '0', ...good), { kind: 'leaf', issuerDer: root }))).toEqual(['E_SERIAL_NOT_POSITIVE', 'W_SERIAL_LOW_ENTROPY']);
    expect(codes(lintCertificate(issue('-days', '10', '-set_serial', '1', ...good), { kind: 'leaf', issuerDer: root }))).toEqual(['W_SERIAL_LOW_ENTROPY']);
    // 400 days: past the BR limit, and past the 30-day root.
    expect(codes(lintCertificate(issue('-days', '400', ...good), { kind: 'leaf', issuerDer: root }))).toEqual(['W_LEAF_VALIDITY_OVER_398_DAYS', 'W_VALIDITY_OUTSIDE_ISSUER']);
  });
});

describe('hand-corrupted certificates produce their error codes', () => {
  describe('version, serial, algorithms, names', () => {
    it('version 1 (no version field) and version 2', () => {
      expect(errors(lintLeaf(hand({ version: null })))).toEqual(['E_VERSION_NOT_V3']);
      expect(errors(lintLeaf(hand({ version: explicit(0, smallInteger(1)) })))).toEqual(['E_VERSION_NOT_V3']);
    });

    it('negative and zero serials', () => {
      expect(errors(lintLeaf(hand({ serial: tlv(0x02, Buffer.from('8a1b2c3d4e5f60718293', 'hex')) })))).toEqual(['E_SERIAL_NOT_POSITIVE']);
      expect(errors(lintLeaf(hand({ serial: tlv(0x02, Buffer.from([0])) })))).toEqual(['E_SERIAL_NOT_POSITIVE']);
      expect(errors(lintLeaf(hand({ serial: tlv(0x02, Buffer.alloc(0)) })))).toEqual(['E_SERIAL_NOT_POSITIVE']);
    });

    it('a serial with a redundant leading byte', () => {
      expect(errors(lintLeaf(hand({ serial: tlv(0x02, Buffer.from('00' + '1a'.repeat(16), 'hex')) })))).toEqual(['E_SERIAL_NOT_MINIMAL']);
      expect(errors(lintLeaf(hand({ serial: tlv(0x02, Buffer.from('ff' + '9a'.repeat(16), 'hex')) })))).toEqual(['E_SERIAL_NOT_POSITIVE', 'E_SERIAL_NOT_MINIMAL']);
      // A 0x00 before a high bit is required, not redundant.
      expect(lintLeaf(hand({ serial: tlv(0x02, Buffer.from('00' + '9a'.repeat(16), 'hex')) }))).toEqual([]);
    });

    it('serials longer than 20 octets, and shorter than 8', () => {
      expect(lintLeaf(hand({ serial: unsignedInteger(Buffer.alloc(20, 0x5a)) }))).toEqual([]);
      expect(errors(lintLeaf(hand({ serial: unsignedInteger(Buffer.alloc(21, 0x5a)) })))).toEqual(['E_SERIAL_TOO_LONG']);
      // 20 magnitude octets with a high bit need a 21st, sign, octet.
      expect(errors(lintLeaf(hand({ serial: unsignedInteger(Buffer.alloc(20, 0xaa)) })))).toEqual(['E_SERIAL_TOO_LONG']);
      expect(codes(lintLeaf(hand({ serial: unsignedInteger(Buffer.alloc(7, 0x5a)) })))).toEqual(['W_SERIAL_LOW_ENTROPY']);
      expect(lintLeaf(hand({ serial: unsignedInteger(Buffer.alloc(8, 0xaa)) }))).toEqual([]);
    });

    it('a TBS signature algorithm different from the outer one', () => {
      // ROOT signs with ecdsa-with-SHA384; the TBS claims SHA-256.
      expect(errors(lintLeaf(hand({ tbsAlg: sequence(oid(OID.ecdsaWithSHA256)) })))).toEqual(['E_SIGNATURE_ALGORITHM_MISMATCH']);
    });

    it('RSA without NULL parameters, ECDSA with them', () => {
      const rsaRoot = hand({ profile: 'ca', key: KEYS.rsa });
      const noNull = sequence(oid(OID.sha256WithRSA));
      expect(errors(lintLeaf(hand({ signer: KEYS.rsa, issuer: HAND_CA_NAME, outerAlg: noNull }), { issuerDer: rsaRoot }))).toEqual(['E_SIGNATURE_ALGORITHM_PARAMETERS']);
      expect(lintLeaf(hand({ signer: KEYS.rsa, issuer: HAND_CA_NAME }), { issuerDer: rsaRoot })).toEqual([]);
      expect(errors(lintLeaf(hand({ outerAlg: sequence(oid(OID.ecdsaWithSHA384), nullValue()) })))).toEqual(['E_SIGNATURE_ALGORITHM_PARAMETERS']);
    });

    it('SHA-1 signatures', () => {
      const rsaRoot = hand({ profile: 'ca', key: KEYS.rsa });
      const sha1 = sequence(oid('1.2.840.113549.1.1.5'), nullValue());
      expect(errors(lintLeaf(hand({ signer: KEYS.rsa, issuer: HAND_CA_NAME, outerAlg: sha1, hash: 'sha1' }), { issuerDer: rsaRoot }))).toEqual(['E_SIGNATURE_ALGORITHM_WEAK']);
    });

    it('an RSASSA-PSS signature: not in the known list (a warning), verified through node:crypto X509Certificate', () => {
      const rsaRoot = hand({ profile: 'ca', key: KEYS.rsa });
      const sha256 = sequence(oid('2.16.840.1.101.3.4.2.1'), nullValue());
      const pss = sequence(oid('1.2.840.113549.1.1.10'), sequence(explicit(0, sha256), explicit(1, sequence(oid('1.2.840.113549.1.1.8'), sha256)), explicit(2, smallInteger(32))));
      const signPss = (flip: boolean) => {
        // hand() signs with PKCS#1 v1.5; keep its TBS (which names PSS) and sign that with PSS.
        const der = hand({ signer: KEYS.rsa, issuer: HAND_CA_NAME, outerAlg: pss });
        const tbs = slice(der, children(der, readTlv(der, 0))[0]);
        const sig = sign('sha256', tbs, { key: KEYS.rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
        if (flip) sig[10] ^= 1;
        return sequence(tbs, pss, bitString(sig));
      };
      expect(codes(lintLeaf(signPss(false), { issuerDer: rsaRoot }))).toEqual(['W_SIGNATURE_ALGORITHM_UNKNOWN']);
      expect(errors(lintLeaf(signPss(true), { issuerDer: rsaRoot }))).toEqual(['E_SIGNATURE_INVALID']);
    });

    it('an empty issuer Name', () => {
      expect(errors(lintLeaf(hand({ issuer: sequence() })))).toEqual(['E_ISSUER_EMPTY', 'E_ISSUER_NAME_MISMATCH']);
      expect(errors(lintLeaf(hand({ issuer: sequence() }), { issuerDer: undefined }))).toEqual(['E_ISSUER_EMPTY']);
    });

    it('an empty subject needs a critical subjectAltName', () => {
      const names = [dns('leaf.example.org')];
      expect(errors(lintLeaf(hand({ subject: sequence(), ext: { san: EXT.san(names, false) } })))).toEqual(['E_SUBJECT_EMPTY_WITHOUT_CRITICAL_SAN']);
      expect(errors(lintLeaf(hand({ subject: sequence(), ext: { san: null } })))).toEqual(['E_SUBJECT_EMPTY_WITHOUT_CRITICAL_SAN', 'E_SAN_MISSING']);
      expect(lintLeaf(hand({ subject: sequence(), ext: { san: EXT.san(names, true) } }))).toEqual([]);
    });

    it('unique identifiers', () => {
      expect(errors(lintLeaf(hand({ uniqueIds: [tlv(0x81, Buffer.from([0, 1, 2]))] })))).toEqual(['E_UNIQUE_IDENTIFIER_PRESENT']);
    });

    it('a Name that does not decode', () => {
      // A SET holding an OCTET STRING where an AttributeTypeAndValue belongs.
      const bad = sequence(set(octetString(Buffer.from('x'))));
      expect(errors(lintLeaf(hand({ subject: bad, ext: { san: EXT.san([dns('leaf.example.org')]) } })))).toEqual(['E_NAME_MALFORMED']);
      expect(errors(lintLeaf(hand({ issuer: bad }), { issuerDer: undefined }))).toEqual(['E_NAME_MALFORMED']);
    });
  });

  describe('validity', () => {
    it('GeneralizedTime for a 2030 date', () => {
      const gt2030 = tlv(0x18, Buffer.from('20300101000000Z'));
      expect(errors(lintLeaf(hand({ notAfter: gt2030 })))).toEqual(['E_VALIDITY_GENERALIZED_TIME_BEFORE_2050']);
      expect(errors(lintLeaf(hand({ notBefore: tlv(0x18, Buffer.from('20240101000000Z')) })))).toEqual(['E_VALIDITY_GENERALIZED_TIME_BEFORE_2050']);
      // The same date as UTCTime is right; from 2050 GeneralizedTime is (lib/x509 writes both).
      expect(errors(lintLeaf(hand({ notAfter: tlv(0x17, Buffer.from('300101000000Z')) })))).toEqual([]);
      expect(errors(lintRoot(hand({ profile: 'ca', notAfter: time(new Date(Date.UTC(2051, 0, 1))) })))).toEqual([]);
    });

    it('times without seconds, with fractions, offsets, or impossible dates', () => {
      for (const t of [tlv(0x17, Buffer.from('3001010000Z')), tlv(0x17, Buffer.from('300101000000+0100')), tlv(0x18, Buffer.from('20510101000000.5Z')), tlv(0x17, Buffer.from('300231000000Z')), tlv(0x17, Buffer.from('301301000000Z'))]) {
        expect(errors(lintLeaf(hand({ notAfter: t }))), t.toString('latin1')).toEqual(['E_VALIDITY_TIME_FORMAT']);
      }
    });

    it('notAfter before notBefore', () => {
      expect(errors(lintLeaf(hand({ notBefore: time(new Date(Date.now() + 10 * DAY)), notAfter: time(new Date(Date.now() + 9 * DAY)) })))).toEqual(['E_VALIDITY_REVERSED']);
    });

    it('leaf validity over 398 days is a warning; 398 days exactly is not', () => {
      const nb = new Date(Date.now() - 60_000);
      const at = (ms: number) => hand({ notBefore: time(nb), notAfter: time(new Date(nb.getTime() + ms)) });
      // BR 6.3.2 counts both ends: notAfter - notBefore + 1 s.
      expect(lintLeaf(at(398 * DAY - 1000))).toEqual([]);
      const over = lintLeaf(at(398 * DAY));
      expect(codes(over)).toEqual(['W_LEAF_VALIDITY_OVER_398_DAYS']);
      expect(() => assertLintClean(over)).not.toThrow();
      expect(lintRoot(hand({ profile: 'ca', notAfter: time(new Date(Date.now() + 3650 * DAY)) }))).toEqual([]);
    });

    it('expired and not yet valid, judged at `now`', () => {
      const der = hand();
      expect(errors(lintLeaf(der, { now: new Date(Date.now() + 91 * DAY) }))).toEqual(['E_EXPIRED']);
      expect(codes(lintLeaf(der, { now: new Date(Date.now() - DAY) }))).toEqual(['W_NOT_YET_VALID']);
    });

    it('a leaf outside its issuer\'s validity', () => {
      const shortRoot = libCert({ key: KEYS.ec384, subject: ROOT_NAME, profile: 'ca', notAfter: new Date(Date.now() + 30 * DAY) });
      expect(codes(lintLeaf(hand(), { issuerDer: shortRoot.der }))).toEqual(['W_VALIDITY_OUTSIDE_ISSUER']);
    });
  });

  describe('public key', () => {
    it('an RSA key under 2048 bits', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
      expect(errors(lintLeaf(hand({ spki: small, ext: { ku: EXT.ku([KU.digitalSignature]) } })))).toEqual(['E_PUBLIC_KEY_WEAK']);
    });

    it('a public key that does not read', () => {
      const bad = sequence(sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), bitString(Buffer.from([4, 1, 2, 3])));
      expect(errors(lintLeaf(hand({ spki: bad })))).toEqual(['E_PUBLIC_KEY_INVALID']);
    });
  });

  describe('extensions', () => {
    it('a duplicate extension', () => {
      expect(errors(lintLeaf(hand({ extra: [EXT.ski(KEYS.ec.ski)] })))).toEqual(['E_EXTENSION_DUPLICATE']);
      expect(errors(lintLeaf(hand({ extra: [EXT.eku(OID.serverAuth)] })))).toEqual(['E_EXTENSION_DUPLICATE']);
    });

    it('an empty extensions field', () => {
      expect(errors(lintRoot(hand({ profile: 'ca', extensions: [] })))).toEqual(expect.arrayContaining(['E_EXTENSIONS_EMPTY', 'E_BASIC_CONSTRAINTS_MISSING']));
    });

    it('critical encoded as an explicit FALSE', () => {
      const ski = ext(OID.subjectKeyIdentifier, 'explicit-false', octetString(KEYS.ec.ski));
      expect(errors(lintLeaf(hand({ ext: { ski } })))).toEqual(['E_EXTENSION_MALFORMED']);
    });

    it('an unknown critical extension is a warning', () => {
      expect(codes(lintLeaf(hand({ extra: [ext('1.3.6.1.4.1.99999.1', true, nullValue())] })))).toEqual(['W_EXTENSION_UNKNOWN_CRITICAL']);
      expect(lintLeaf(hand({ extra: [ext('1.3.6.1.4.1.99999.1', false, nullValue())] }))).toEqual([]);
    });
  });

  describe('basicConstraints', () => {
    it('a CA without basicConstraints', () => {
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { bc: null } })))).toEqual(['E_BASIC_CONSTRAINTS_MISSING']);
      expect(errors(lintCertificate(hand({ profile: 'ca', ext: { bc: null } }), { kind: 'intermediate' }))).toEqual(['E_BASIC_CONSTRAINTS_MISSING']);
    });

    it('a CA with non-critical basicConstraints, or without cA', () => {
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { bc: EXT.bcCa(undefined, false) } })))).toEqual(['E_BASIC_CONSTRAINTS_NOT_CRITICAL']);
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { bc: EXT.bcLeaf() } })))).toEqual(['E_BASIC_CONSTRAINTS_NOT_CA']);
    });

    it('a leaf asserting cA', () => {
      expect(errors(lintLeaf(hand({ ext: { bc: EXT.bcCa() } })))).toEqual(['E_BASIC_CONSTRAINTS_CA_IN_LEAF']);
      // Absent basicConstraints is fine in a leaf.
      expect(lintLeaf(hand({ ext: { bc: null } }))).toEqual([]);
    });

    it('cA encoded as an explicit FALSE', () => {
      expect(errors(lintLeaf(hand({ ext: { bc: ext(OID.basicConstraints, true, sequence(boolean(false))) } })))).toEqual(['E_EXTENSION_MALFORMED']);
    });

    it('pathLenConstraint without cA and keyCertSign', () => {
      expect(errors(lintLeaf(hand({ ext: { bc: ext(OID.basicConstraints, true, sequence(smallInteger(0))) } })))).toEqual(['E_PATH_LEN_WITHOUT_KEY_CERT_SIGN']);
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { bc: EXT.bcCa(0), ku: EXT.ku([KU.digitalSignature, KU.cRLSign]) } })))).toEqual(['E_KEY_USAGE_NO_KEY_CERT_SIGN', 'E_PATH_LEN_WITHOUT_KEY_CERT_SIGN']);
      expect(lintRoot(hand({ profile: 'ca', ext: { bc: EXT.bcCa(0) } }))).toEqual([]);
    });
  });

  describe('keyUsage', () => {
    it('a leaf with keyCertSign or cRLSign', () => {
      expect(errors(lintLeaf(hand({ ext: { ku: EXT.ku([KU.digitalSignature, KU.keyCertSign]) } })))).toEqual(['E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF']);
      expect(errors(lintLeaf(hand({ ext: { ku: EXT.ku([KU.digitalSignature, KU.cRLSign]) } })))).toEqual(['E_KEY_USAGE_CRL_SIGN_IN_LEAF']);
    });

    it('a CA without keyUsage, without keyCertSign, without cRLSign', () => {
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { ku: null } })))).toEqual(['E_KEY_USAGE_MISSING']);
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { ku: EXT.ku([KU.digitalSignature, KU.cRLSign]) } })))).toEqual(['E_KEY_USAGE_NO_KEY_CERT_SIGN']);
      expect(codes(lintRoot(hand({ profile: 'ca', ext: { ku: EXT.ku([KU.keyCertSign]) } })))).toEqual(['W_KEY_USAGE_CA_NO_CRL_SIGN']);
    });

    it('a leaf without keyUsage, or with a non-critical one, is warned about', () => {
      expect(codes(lintLeaf(hand({ ext: { ku: null } })))).toEqual(['W_KEY_USAGE_MISSING']);
      expect(codes(lintLeaf(hand({ ext: { ku: EXT.ku([KU.digitalSignature], false) } })))).toEqual(['W_KEY_USAGE_NOT_CRITICAL']);
    });

    it('keyUsage with no bit, or not DER', () => {
      expect(errors(lintLeaf(hand({ ext: { ku: EXT.ku([]) } })))).toEqual(['E_KEY_USAGE_EMPTY']);
      // digitalSignature with 7 trailing zero bits counted as used: BER, not DER.
      expect(errors(lintLeaf(hand({ ext: { ku: ext(OID.keyUsage, true, bitString(Buffer.from([0x80]), 0)) } })))).toEqual(['E_EXTENSION_MALFORMED']);
      expect(errors(lintLeaf(hand({ ext: { ku: ext(OID.keyUsage, true, bitString(Buffer.from([0x80, 0x00]), 7)) } })))).toEqual(['E_EXTENSION_MALFORMED']);
    });

    it('keyEncipherment for EC and Ed25519 keys', () => {
      const ku = EXT.ku([KU.digitalSignature, KU.keyEncipherment]);
      expect(errors(lintLeaf(hand({ key: KEYS.ec, ext: { ku } })))).toEqual(['E_KEY_USAGE_ENCIPHERMENT_NOT_RSA']);
      expect(errors(lintLeaf(hand({ key: KEYS.ed, ext: { ku } })))).toEqual(['E_KEY_USAGE_ENCIPHERMENT_NOT_RSA']);
      expect(lintLeaf(hand({ key: KEYS.rsa, ext: { ku } }))).toEqual([]);
    });

    it('keyAgreement for RSA and Ed25519 keys', () => {
      const ku = EXT.ku([KU.digitalSignature, KU.keyAgreement]);
      expect(errors(lintLeaf(hand({ key: KEYS.rsa, ext: { ku } })))).toEqual(['E_KEY_USAGE_KEY_AGREEMENT_NOT_EC']);
      expect(errors(lintLeaf(hand({ key: KEYS.ed, ext: { ku } })))).toEqual(['E_KEY_USAGE_KEY_AGREEMENT_NOT_EC']);
      expect(lintLeaf(hand({ key: KEYS.ec, ext: { ku } }))).toEqual([]);
    });
  });

  describe('extKeyUsage', () => {
    it('a leaf without extKeyUsage, or with anyExtendedKeyUsage', () => {
      expect(codes(lintLeaf(hand({ ext: { eku: null } })))).toEqual(['W_EXT_KEY_USAGE_MISSING']);
      expect(codes(lintLeaf(hand({ ext: { eku: EXT.eku(OID.serverAuth, '2.5.29.37.0') } })))).toEqual(['W_EXT_KEY_USAGE_ANY']);
    });

    it('an empty extKeyUsage', () => {
      expect(errors(lintLeaf(hand({ ext: { eku: EXT.eku() } })))).toEqual(['E_EXTENSION_MALFORMED']);
    });
  });

  describe('key identifiers', () => {
    it('subjectKeyIdentifier missing or critical', () => {
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { ski: null } })))).toEqual(['E_SKI_MISSING']);
      expect(codes(lintLeaf(hand({ ext: { ski: null } })))).toEqual(['W_SKI_MISSING']);
      expect(errors(lintLeaf(hand({ ext: { ski: EXT.ski(KEYS.ec.ski, true) } })))).toEqual(['E_SKI_CRITICAL']);
    });

    it('authorityKeyIdentifier missing (allowed only for self-signed roots)', () => {
      expect(errors(lintLeaf(hand({ ext: { aki: null } })))).toEqual(['E_AKI_MISSING']);
      expect(lintRoot(hand({ profile: 'ca', ext: { aki: null } }))).toEqual([]);
      const intermediate = hand({ profile: 'ca', issuer: ROOT_NAME, signer: ROOT.key, notAfter: time(new Date(Date.now() + 1000 * DAY)), ext: { aki: null } });
      expect(errors(lintCertificate(intermediate, { kind: 'intermediate', issuerDer: ROOT.der }))).toEqual(['E_AKI_MISSING']);
    });

    it('authorityKeyIdentifier not matching the issuer subjectKeyIdentifier', () => {
      expect(errors(lintLeaf(hand({ ext: { aki: EXT.aki(KEYS.rsa.ski) } })))).toEqual(['E_AKI_MISMATCH']);
      // Without the issuer there is nothing to compare with.
      expect(errors(lintLeaf(hand({ ext: { aki: EXT.aki(KEYS.rsa.ski) } }), { issuerDer: undefined }))).toEqual([]);
      // A self-signed root's AKI is its own SKI.
      expect(errors(lintRoot(hand({ profile: 'ca', ext: { aki: EXT.aki(KEYS.ec.ski) } })))).toEqual(['E_AKI_MISMATCH']);
    });

    it('authorityKeyIdentifier critical, or without keyIdentifier', () => {
      expect(errors(lintLeaf(hand({ ext: { aki: EXT.aki(ROOT.key.ski, true) } })))).toEqual(['E_AKI_CRITICAL']);
      const issuerSerialOnly = ext(OID.authorityKeyIdentifier, false, sequence(tlv(0xa1, tlv(0xa4, ROOT_NAME)), tlv(0x82, Buffer.from([1]))));
      expect(errors(lintLeaf(hand({ ext: { aki: issuerSerialOnly } })))).toEqual(['E_AKI_KEY_ID_MISSING']);
    });
  });

  describe('self-issued roots', () => {
    it('a root whose subject and issuer differ', () => {
      const der = hand({ profile: 'ca', issuer: ROOT_NAME });
      expect(errors(lintRoot(der))).toEqual(['E_ROOT_NOT_SELF_ISSUED']);
    });

    it('the same name in other bytes (PrintableString for UTF8String) is not self-issued', () => {
      const printable = sequence(set(sequence(oid(OID.commonName), printableString('Hand Root CA'))));
      const utf8 = encodeName({ CN: 'Hand Root CA' });
      expect(errors(lintRoot(hand({ profile: 'ca', subject: utf8, issuer: printable })))).toEqual(['E_ROOT_NOT_SELF_ISSUED']);
    });

    it('a root whose self-signature does not verify', () => {
      const flip = (sig: Buffer) => Buffer.concat([sig.subarray(0, -1), Buffer.from([sig[sig.length - 1] ^ 1])]);
      expect(errors(lintRoot(hand({ profile: 'ca', signature: flip })))).toEqual(['E_SIGNATURE_INVALID']);
    });
  });

  describe('subjectAltName', () => {
    const withNames = (...names: Buffer[]) => hand({ subject: encodeName({ CN: 'leaf.example.org' }), ext: { san: EXT.san([dns('leaf.example.org'), ...names]) } });

    it('a leaf without subjectAltName, or with an empty one', () => {
      expect(errors(lintLeaf(hand({ ext: { san: null } })))).toEqual(['E_SAN_MISSING']);
      expect(errors(lintLeaf(hand({ ext: { san: EXT.san([]) } })))).toEqual(['E_SAN_EMPTY']);
    });

    it('an empty dNSName', () => {
      expect(errors(lintLeaf(withNames(dns(''))))).toEqual(['E_SAN_DNS_EMPTY']);
      expect(errors(lintLeaf(withNames(dns(' '))))).toEqual(['E_SAN_DNS_EMPTY']);
    });

    it('a wildcard in the middle label, inside a label, or over a single label', () => {
      for (const name of ['a.*.example.org', 'f*o.example.org', '*foo.example.org', '*.*.example.org', '*.org', '*']) {
        expect(errors(lintLeaf(withNames(dns(name)))), name).toContain('E_SAN_DNS_WILDCARD');
      }
      expect(lintLeaf(withNames(dns('*.example.org')))).toEqual([]);
    });

    it('dNSNames that are not LDH labels or valid A-labels', () => {
      for (const name of ['under_score.example.org', '-lead.example.org', 'trail-.example.org', 'a..example.org', 'example.org.', '.example.org', `${'a'.repeat(64)}.example.org`, `${'a.'.repeat(127)}org`, 'xn--zz.example.org', 'bücher.example', 'sp ace.example.org']) {
        expect(errors(lintLeaf(withNames(dns(name)))), name).toEqual(['E_SAN_DNS_INVALID']);
      }
      expect(lintLeaf(withNames(dns('xn--bcher-kva.example'), dns(`${'a'.repeat(63)}.example.org`)))).toEqual([]);
    });

    it('upper case in a dNSName is a warning', () => {
      expect(codes(lintLeaf(withNames(dns('Web.Example.org'))))).toEqual(['W_SAN_DNS_UPPERCASE']);
    });

    it('an iPAddress of neither 4 nor 16 octets', () => {
      expect(errors(lintLeaf(withNames(ipName([10, 0, 0, 1, 0]))))).toEqual(['E_SAN_IP_LENGTH']);
      expect(errors(lintLeaf(withNames(ipName([10, 0, 0, 0, 255, 0, 0, 0]))))).toEqual(['E_SAN_IP_LENGTH']);
      expect(lintLeaf(withNames(ipName([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])))).toEqual([]);
    });

    it('an rfc822Name that is not a mailbox', () => {
      expect(errors(lintLeaf(withNames(email('no-at-sign.example.org'))))).toEqual(['E_SAN_EMAIL_INVALID']);
      expect(lintLeaf(withNames(email('ops@example.org')))).toEqual([]);
    });

    it('a common name that is not among the names is a warning', () => {
      expect(codes(lintLeaf(hand({ subject: encodeName({ CN: 'other.example.org' }) })))).toEqual(['W_SUBJECT_CN_NOT_IN_SAN']);
      expect(lintLeaf(hand({ subject: encodeName({ CN: 'LEAF.example.org' }) }))).toEqual([]);
      expect(lintLeaf(hand({ subject: encodeName({ CN: '192.0.2.7' }) }))).toEqual([]);
    });

    it('a critical subjectAltName beside a subject is a warning', () => {
      expect(codes(lintLeaf(hand({ ext: { san: EXT.san([dns('leaf.example.org')], true) } })))).toEqual(['W_SAN_CRITICAL_WITH_SUBJECT']);
    });
  });

  describe('against the issuer', () => {
    it('a signature by another key, or a byte flipped in it', () => {
      expect(errors(lintLeaf(hand({ signer: { ...ROOT.key, privateKey: newKey('EC-P384').privateKey } })))).toEqual(['E_SIGNATURE_INVALID']);
      const flip = (sig: Buffer) => Buffer.concat([sig.subarray(0, 8), Buffer.from([sig[8] ^ 0x40]), sig.subarray(9)]);
      expect(errors(lintLeaf(hand({ signature: flip })))).toEqual(['E_SIGNATURE_INVALID']);
    });

    it('leaves the signature to a caller that verified it (signatureChecked), and checks the rest against the issuer all the same', () => {
      const flip = (sig: Buffer) => Buffer.concat([sig.subarray(0, 8), Buffer.from([sig[8] ^ 0x40]), sig.subarray(9)]);
      expect(errors(lintLeaf(hand({ signature: flip }), { signatureChecked: true }))).toEqual([]);
      // The key family is still checked, and so is every other issuer check.
      expect(errors(lintLeaf(hand({ outerAlg: sequence(oid(OID.sha256WithRSA), nullValue()) }), { signatureChecked: true }))).toContain('E_SIGNATURE_INVALID');
    });

    it('an algorithm that does not fit the issuer key', () => {
      // Claims RSA, signed by the EC root: the key family decides before any digest is checked.
      expect(errors(lintLeaf(hand({ outerAlg: sequence(oid(OID.sha256WithRSA), nullValue()) })))).toEqual(['E_SIGNATURE_INVALID']);
    });

    it('an issuer whose public key does not read', () => {
      const badKey = sequence(sequence(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.34')), bitString(Buffer.from([4, 1, 2, 3])));
      const issuer = hand({ profile: 'ca', subject: ROOT_NAME, key: KEYS.ec384, spki: badKey });
      expect(errors(lintLeaf(hand(), { issuerDer: issuer }))).toEqual(['E_SIGNATURE_INVALID']);
    });

    it('an issuer that is not a CA', () => {
      const notCa = hand({ subject: ROOT_NAME, key: KEYS.ec384, ext: { ski: EXT.ski(KEYS.ec384.ski), san: EXT.san([dns('root.example.org')]) } });
      expect(errors(lintLeaf(hand(), { issuerDer: notCa }))).toEqual(['E_ISSUER_NOT_CA', 'E_ISSUER_NO_KEY_CERT_SIGN']);
    });

    it('an issuer CA without keyCertSign', () => {
      const noSign = hand({ profile: 'ca', subject: ROOT_NAME, key: KEYS.ec384, ext: { ku: EXT.ku([KU.digitalSignature, KU.cRLSign]) } });
      expect(errors(lintLeaf(hand(), { issuerDer: noSign }))).toEqual(['E_ISSUER_NO_KEY_CERT_SIGN']);
    });

    it('an issuer Name that is not the issuer\'s subject byte for byte', () => {
      const printable = sequence(set(sequence(oid(OID.organizationName), printableString('Lint Test'))), set(sequence(oid(OID.commonName), printableString('Lint Root CA'))));
      expect(errors(lintLeaf(hand({ issuer: printable })))).toEqual(['E_ISSUER_NAME_MISMATCH']);
    });

    it('an intermediate under a pathLenConstraint 0 root', () => {
      const root0 = libCert({ key: KEYS.ec384, subject: ROOT_NAME, profile: 'ca', pathLen: 0 });
      const intermediate = hand({ profile: 'ca', issuer: ROOT_NAME, signer: ROOT.key, notAfter: time(new Date(Date.now() + 1000 * DAY)) });
      expect(lintCertificate(intermediate, { kind: 'intermediate', issuerDer: ROOT.der })).toEqual([]);
      expect(errors(lintCertificate(intermediate, { kind: 'intermediate', issuerDer: root0.der }))).toEqual(['E_ISSUER_PATH_LEN_EXCEEDED']);
      expect(lintLeaf(hand(), { issuerDer: root0.der })).toEqual([]);
    });
  });

  describe('unreadable input', () => {
    it('truncated, trailing bytes, not a certificate', () => {
      const der = hand();
      expect(codes(lintLeaf(der.subarray(0, der.length - 5)))).toEqual(['E_MALFORMED']);
      expect(codes(lintLeaf(Buffer.concat([der, Buffer.from([0])])))).toEqual(['E_MALFORMED']);
      expect(codes(lintLeaf(sequence(oid(OID.commonName))))).toEqual(['E_MALFORMED']);
      expect(codes(lintLeaf(Buffer.alloc(0)))).toEqual(['E_MALFORMED']);
    });

    it('never throws: 3000 certificates with random bytes changed, cut or inserted', () => {
      // A fixed xorshift PRNG: a failure here reproduces.
      let state = 0x9e3779b9;
      const rand = (n: number) => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) % n;
      };
      const bases = [hand(), hand({ key: KEYS.rsa }), hand({ profile: 'ca' }), ROOT.der];
      let malformed = 0;
      for (let i = 0; i < 3000; i++) {
        const base = bases[i % bases.length];
        let der = Buffer.from(base);
        const op = rand(3);
        const at = rand(der.length);
        if (op === 0) der[at] ^= 1 << rand(8);
        else if (op === 1) der = der.subarray(0, at);
        else der = Buffer.concat([der.subarray(0, at), Buffer.from([rand(256)]), der.subarray(at)]);
        const findings = lintCertificate(der, { kind: i % 3 === 0 ? 'root' : 'leaf', issuerDer: i % 2 ? ROOT.der : der });
        expect(findings.every((f) => /^[EW]_[A-Z0-9_]+$/.test(f.code) && f.severity === (f.code.startsWith('E_') ? 'error' : 'warning'))).toBe(true);
        if (findings.some((f) => f.code === 'E_MALFORMED')) malformed++;
      }
      // Most single-byte changes break the structure; the rest must have been linted field by field.
      expect(malformed).toBeGreaterThan(500);
      expect(malformed).toBeLessThan(3000);
    });

    it('an empty keyUsage BIT STRING (no unused-bits octet)', () => {
      expect(errors(lintLeaf(hand({ ext: { ku: ext(OID.keyUsage, true, tlv(0x03)) } })))).toEqual(['E_EXTENSION_MALFORMED']);
    });

    it('an issuer certificate that does not read', () => {
      expect(codes(lintLeaf(hand(), { issuerDer: Buffer.from('not a certificate') }))).toEqual(['E_ISSUER_MALFORMED']);
    });
  });
});

describe('assertLintClean', () => {
  it('throws LINT_FAILED (422) naming each error code once; warnings alone pass', () => {
    const findings = lintLeaf(hand({ ext: { ku: EXT.ku([KU.digitalSignature, KU.keyCertSign, KU.keyEncipherment]), eku: null }, serial: tlv(0x02, Buffer.from([0x80])) }));
    expect(codes(findings)).toEqual(['E_KEY_USAGE_ENCIPHERMENT_NOT_RSA', 'E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF', 'E_SERIAL_NOT_POSITIVE', 'W_EXT_KEY_USAGE_MISSING', 'W_SERIAL_LOW_ENTROPY']);
    let thrown: unknown;
    try {
      assertLintClean(findings);
    } catch (e) {
      thrown = e;
    }
    expect(isAppError(thrown)).toBe(true);
    const e = thrown as { code: string; status: number; message: string; details?: { codes?: string[] } };
    expect(e.code).toBe('LINT_FAILED');
    expect(e.status).toBe(422);
    expect(e.message).toBe('The certificate fails lint: E_SERIAL_NOT_POSITIVE, E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF, E_KEY_USAGE_ENCIPHERMENT_NOT_RSA.');
    expect(e.message).not.toContain('W_');
    expect(e.details?.codes).toEqual(['E_SERIAL_NOT_POSITIVE', 'E_KEY_USAGE_KEY_CERT_SIGN_IN_LEAF', 'E_KEY_USAGE_ENCIPHERMENT_NOT_RSA']);

    expect(() => assertLintClean([])).not.toThrow();
    expect(() => assertLintClean(lintLeaf(hand({ ext: { eku: null, ski: null } })))).not.toThrow();
    expect(() => assertLintClean([{ code: 'E_X', severity: 'error', message: '' }, { code: 'E_X', severity: 'error', message: '' }])).toThrow('fails lint: E_X.');
  });
});
