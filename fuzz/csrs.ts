import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from '../test/support/openssl.js';
import type { Rng } from '../test/support/prng.js';
import { csrParts, headers, oid, seq, tlv } from './der.js';

/**
 * Mutated CSRs. The bases are made by `openssl req` with keys of every kind, the supported and
 * the refused ones (RSA 1024, DSA, secp256k1, Ed448, RSA-PSS); a mutation works on the DER bytes
 * (bit flips, truncation, length and tag edits: the signature no longer verifies), on its
 * structure re-signed with the real key (huge SAN lists, unknown OIDs, odd subjects, versions,
 * algorithm mismatches: the signature verifies and the parser meets the oddity), or on the PEM
 * armour.
 */
interface Base {
  name: string;
  der: Buffer;
  key: KeyObject;
  /** Re-signing: the digest (null: the key signs the message itself); undefined: not re-signable (RSA-PSS). */
  digest?: string | null;
}

export interface MutatedCsr {
  what: string;
  /** The DER (undefined when only the PEM text is mutated). */
  der?: Buffer;
  pem: string;
}

const KEYS: { name: string; make: () => KeyObject; digest?: string | null; sans?: boolean }[] = [
  { name: 'EC P-256', make: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, digest: 'sha256', sans: true },
  { name: 'EC P-384', make: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, digest: 'sha256' },
  { name: 'RSA 2048', make: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, digest: 'sha256', sans: true },
  { name: 'Ed25519', make: () => generateKeyPairSync('ed25519').privateKey, digest: null },
  { name: 'RSA 1024', make: () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, digest: 'sha256' },
  { name: 'DSA', make: () => generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey, digest: 'sha256' },
  { name: 'secp256k1', make: () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, digest: 'sha256' },
  { name: 'Ed448', make: () => generateKeyPairSync('ed448').privateKey, digest: null },
  { name: 'RSA-PSS', make: () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey },
];

const pemOf = (der: Buffer, label = 'CERTIFICATE REQUEST') => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
export const derOfPem = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

/** The bases, made once per run by openssl (in `dir`), for `name` (CN, and SAN where the key has one). */
export function makeBases(dir: string, name: string): Base[] {
  return KEYS.map((k, i) => {
    const key = k.make();
    const keyPath = join(dir, `fuzz-${i}.key`);
    writeFileSync(keyPath, key.export({ type: 'pkcs8', format: 'pem' }));
    const args = ['req', '-new', '-key', keyPath, '-subj', `/CN=${name}/O=Fuzz`];
    if (k.sans) args.push('-addext', `subjectAltName=DNS:${name}`);
    return { name: k.name, der: derOfPem(openssl(args)), key, digest: k.digest };
  });
}

const OIDS = ['2.5.4.3', '2.5.4.10', '1.2.3.4', '2.5.29.17', '2.5.29.19', '1.2.840.113549.1.9.14', '1.2.840.113549.1.1.1', '1.2.840.10045.2.1', '0.0', '2.999.1', '1.3.6.1.4.1.99999.1.2.3', '2.5.29.15', '1.3.101.112', '1.2.840.113549.1.1.4'];
const STRING_TAGS = [0x0c, 0x13, 0x16, 0x14, 0x1e, 0x1c, 0x04, 0x02, 0x05, 0x30];
const SIG_ALGS = [seq(oid('1.2.840.113549.1.1.5'), Buffer.from([5, 0])), seq(oid('1.2.840.113549.1.1.4'), Buffer.from([5, 0])), seq(oid('1.2.840.10045.4.3.4')), seq(oid('1.3.101.112')), seq(oid('1.2.3.4')), seq(oid('1.2.840.113549.1.1.10')), seq()];

const attr = (type: string, ...values: Buffer[]) => seq(oid(type), tlv(0x31, ...values));
const extReq = (...exts: Buffer[]) => attr('1.2.840.113549.1.9.14', seq(...exts));
const ext = (type: string, value: Buffer, critical = false) => seq(oid(type), ...(critical ? [Buffer.from([1, 1, 0xff])] : []), tlv(0x04, value));
const rdn = (type: string, tag: number, value: Buffer) => tlv(0x31, seq(oid(type), tlv(tag, value)));

function sanList(rand: Rng): Buffer {
  const n = rand.pick([0, 1, 101, 500, 1500]);
  const names = Array.from({ length: n }, (_, i) => {
    switch (rand.int(6)) {
      case 0:
        return tlv(0x82, Buffer.from(`h${i}.fuzz.example.org`));
      case 1:
        return tlv(0x87, Buffer.from(rand.pick([[192, 0, 2, i & 0xff], [1, 2, 3], Array(16).fill(0), []])));
      case 2:
        return tlv(0x81, Buffer.from(rand.pick(['a@fuzz.example.org', '@', 'é@x', ''])));
      case 3:
        return tlv(0x86, Buffer.from(rand.pick(['https://fuzz.example.org/', 'urn:x', ''])));
      case 4:
        return tlv(0x82, Buffer.from(rand.pick(['*.fuzz.example.org', '*', '..', 'a..b', '-x.org', 'x'.repeat(300), 'é.org', 'xn--zz.org', '127.0.0.1', '', ' a.org', 'a\u0000.org', '*.*.org'])));
      default:
        return tlv(rand.pick([0xa0, 0xa4, 0x88, 0x83, 0xa5]), Buffer.from([0x30, 0x00]));
    }
  });
  return seq(...names);
}

/** Structural mutations of the CertificationRequestInfo parts [version, subject, spki, attributes]. */
const STRUCTURE: Record<string, (rand: Rng, parts: Buffer[], bases: Base[]) => Buffer[]> = {
  'huge SAN list': (rand, [v, s, k]) => [v, s, k, tlv(0xa0, extReq(ext('2.5.29.17', sanList(rand), rand.chance(0.3))))],
  'unknown OIDs': (rand, [v, s, k]) => [v, seq(rdn(rand.pick(OIDS), rand.pick(STRING_TAGS), Buffer.from('x'))), k, tlv(0xa0, extReq(ext(rand.pick(OIDS), rand.chance(0.5) ? seq() : Buffer.from([0xff, 0x01]), rand.chance(0.5))))],
  'odd subject': (rand, [v, , k, a]) => [
    v,
    rand.pick([seq(), seq(rdn('2.5.4.3', 0x0c, Buffer.from('x'.repeat(rand.pick([65, 5000]))))), seq(rdn('2.5.4.3', 0x0c, Buffer.from('a\u0000b.org'))), seq(rdn('2.5.4.3', 0x1e, Buffer.from([0xd8, 0x00]))), seq(rdn('2.5.4.3', 0x0c, Buffer.from([0xc3, 0x28]))), seq(...Array.from({ length: 200 }, () => rdn('2.5.4.3', 0x13, Buffer.from('a.org')))), seq(rdn('2.5.4.6', 0x13, Buffer.from('ZZZ'))), seq(tlv(0x31))]),
    k,
    a,
  ],
  'odd version': (rand, [, s, k, a]) => [tlv(0x02, Buffer.from(rand.pick([[1], [2], [0xff], [0x00, 0x00], [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], []]))), s, k, a],
  'odd attributes': (rand, [v, s, k]) => [v, s, k, rand.pick([tlv(0xa0, extReq(), extReq()), tlv(0xa0, attr('1.2.840.113549.1.9.7', tlv(0x0c, Buffer.from('pw')))), tlv(0xa0, attr('1.2.840.113549.1.9.14')), tlv(0x31), tlv(0xa0, seq()), tlv(0xa0, extReq(ext('2.5.29.19', seq(Buffer.from([1, 1, 0xff])), true), ext('2.5.29.19', seq()))), Buffer.alloc(0)])],
  "another key's SPKI": (rand, [v, s, , a], bases) => [v, s, csrParts(rand.pick(bases).der).infoParts[2], a],
  'extra parts': (rand, parts) => [...parts, rand.pick([tlv(0x05), seq(), tlv(0xa1, seq())])],
};

function resign(base: Base, info: Buffer, alg?: Buffer): Buffer {
  const { alg: ownAlg } = csrParts(base.der);
  const signature = sign(base.digest ?? null, info, base.key);
  return seq(info, alg ?? ownAlg, tlv(0x03, Buffer.from([0]), signature));
}

/** Byte mutations of the whole DER: the signature breaks, or the framing does. */
const BYTES: Record<string, (rand: Rng, der: Buffer) => Buffer> = {
  'bit flips': (rand, der) => {
    const out = Buffer.from(der);
    for (let n = 1 + rand.int(4); n > 0; n--) out[rand.int(out.length)] ^= 1 << rand.int(8);
    return out;
  },
  truncated: (rand, der) => der.subarray(0, rand.int(der.length)),
  'trailing bytes': (rand, der) => Buffer.concat([der, Buffer.from(rand.pick([[0], [0x30, 0x00], Array(100).fill(0x41)]))]),
  'length edit': (rand, der) => {
    const out = Buffer.from(der);
    const at = rand.pick(headers(der)) + 1;
    const edit = rand.pick([[out[at] + 1], [Math.max(0, out[at] - 1)], [0x80], [0x84, 0xff, 0xff, 0xff, 0xff], [0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1], [0x81, 0x01], [0x00], [0xff]]);
    return Buffer.concat([out.subarray(0, at), Buffer.from(edit.map((b) => b & 0xff)), out.subarray(at + ((out[at] & 0x80) ? 1 + (out[at] & 0x7f) : 1))]);
  },
  'tag edit': (rand, der) => {
    const out = Buffer.from(der);
    out[rand.pick(headers(der))] = rand.pick([0x00, 0x1f, 0x31, 0x04, 0x05, 0xa3, 0xff, 0x30, 0x0c]);
    return out;
  },
  'bytes spliced': (rand, der) => {
    const at = rand.int(der.length);
    return Buffer.concat([der.subarray(0, at), Buffer.from(Array.from({ length: rand.int(20) }, () => rand.int(256))), der.subarray(at + rand.int(20))]);
  },
};

/** PEM armour games on a valid (or mutated) DER. */
const PEM: Record<string, (rand: Rng, der: Buffer) => string> = {
  'wrong label': (rand, der) => pemOf(der, rand.pick(['CERTIFICATE', 'NEW CERTIFICATE REQUEST', 'PRIVATE KEY', 'X', 'certificate request', ''])),
  'no END line': (_, der) => pemOf(der).replace(/-----END[^\n]*\n$/, ''),
  'two CSRs': (_, der) => pemOf(der) + pemOf(der),
  'one line': (_, der) => pemOf(der).replace(/\n(?!-----B)/g, ''),
  CRLF: (_, der) => pemOf(der).replace(/\n/g, '\r\n'),
  'bad base64': (rand, der) => pemOf(der).replace(/[A-Za-z0-9](?=[^-]*-----END)/, rand.pick(['!', '-', '_', ' ', '=', '\u00e9', '*'])),
  'bare base64': (_, der) => der.toString('base64'),
  'text around': (rand, der) => `${rand.pick(['Certificate Request:\n    Data: x\n', 'junk', '\ufeff'])}${pemOf(der)}${rand.pick(['trailing', '-----BEGIN X-----', ''])}`,
  'header lines': (_, der) => pemOf(der).replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n'),
  empty: (rand) => rand.pick(['-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n', '', ' ', '-----BEGIN CERTIFICATE REQUEST-----']),
};

export function mutateCsr(rand: Rng, bases: Base[]): MutatedCsr {
  const base = rand.pick(bases);
  const r = rand();
  if (r < 0.05) return { what: `${base.name} as is`, der: base.der, pem: pemOf(base.der) };
  if (r < 0.35) {
    const [what, f] = rand.pick(Object.entries(BYTES));
    const der = f(rand, base.der);
    return { what: `${base.name} ${what}`, der, pem: pemOf(der) };
  }
  if (r < 0.75 && base.digest !== undefined) {
    const parts = csrParts(base.der);
    if (rand.chance(0.15)) {
      const der = resign(base, parts.info, rand.pick(SIG_ALGS));
      return { what: `${base.name} signature algorithm mismatch`, der, pem: pemOf(der) };
    }
    const [what, f] = rand.pick(Object.entries(STRUCTURE));
    const info = seq(...f(rand, parts.infoParts, bases));
    // Sometimes the new structure keeps the old signature: it must then fail as a signature.
    const der = rand.chance(0.2) ? seq(info, parts.alg, parts.sig) : resign(base, info);
    return { what: `${base.name} ${what}`, der, pem: pemOf(der) };
  }
  const [what, f] = rand.pick(Object.entries(PEM));
  return { what: `${base.name} PEM ${what}`, pem: f(rand, base.der) };
}
