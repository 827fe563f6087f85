import { badRequest } from '../errors/index.js';
import { children, content, decodeOid, DerError, expectTag, wholeTlv, type Tlv } from './der.js';
import { oid, printableString, sequence, set, utf8String } from './derWriter.js';
import { ATTRIBUTE_SHORT_NAMES, OID } from './oids.js';

export interface SubjectInput {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
  ST?: string;
  L?: string;
  /** Only in Keystone user certificates, set by the RA (never copied from a CSR). */
  UID?: string;
}

const ORDER: Array<[keyof SubjectInput, string]> = [
  ['C', OID.countryName],
  ['ST', OID.stateOrProvinceName],
  ['L', OID.localityName],
  ['O', OID.organizationName],
  ['OU', OID.organizationalUnitName],
  ['CN', OID.commonName],
  ['UID', OID.userId],
];

/**
 * What a string has that a Name attribute value may not, if anything. It must be well-formed
 * Unicode (a lone surrogate would be written as U+FFFD: the certificate would say something else
 * than the record) without control characters (a NUL cuts the name short for C-string readers,
 * the null-prefix attack; a newline splits log lines and text dumps).
 */
export function subjectTextProblem(value: string): string | undefined {
  // String.prototype.isWellFormed, which the ES2022 lib does not type: a lone surrogate under /u.
  if (/\p{Cs}/u.test(value)) return 'a lone surrogate (it is not well-formed Unicode)';
  const control = /\p{Cc}/u.exec(value);
  if (control) return `a control character (U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
  return undefined;
}

const subjectInvalid = (field: string, why: string) => badRequest('SUBJECT_INVALID', `The subject ${field} ${why}.`, { field });

/**
 * An X.501 Name, one attribute per RDN, most significant first; C as PrintableString (RFC 5280).
 * The API refuses bad subject strings already; this refuses them again for every other way in
 * (a stored record, a renewal), since a lone surrogate would be written as U+FFFD.
 */
export function encodeName(subject: Partial<SubjectInput>): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, attrOid] of ORDER) {
    const value = subject[field];
    if (value === undefined) continue;
    if (field === 'C' && !/^[A-Z]{2}$/.test(value)) throw badRequest('SUBJECT_INVALID', 'C must be a two-letter country code.', { field });
    const problem = subjectTextProblem(value);
    if (problem) throw subjectInvalid(field, `has ${problem}`);
    rdns.push(set(sequence(oid(attrOid), field === 'C' ? printableString(value) : utf8String(value))));
  }
  return sequence(...rdns);
}

export interface NameAttribute {
  type: string;
  value: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-16BE (BMPString, UCS-2: no surrogates) or UTF-32BE (UniversalString) code units to text. */
function codeUnits(b: Buffer, width: 2 | 4): string | undefined {
  if (b.length % width) return undefined;
  const points: number[] = [];
  for (let i = 0; i < b.length; i += width) {
    const cp = width === 2 ? b.readUInt16BE(i) : b.readUInt32BE(i);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    points.push(cp);
  }
  return String.fromCodePoint(...points);
}

const ascii = (b: Buffer) => (b.every((x) => x < 0x80) ? b.toString('latin1') : undefined);

/**
 * The DirectoryString types (RFC 5280 4.1.2.4) and IA5String (emailAddress, DC), each decoded as
 * its own encoding says. TeletexString only when ASCII: T.61 is no Latin-1, and we do not guess.
 */
const STRING_TYPES: Record<number, { name: string; decode: (b: Buffer) => string | undefined }> = {
  0x0c: {
    name: 'UTF8String',
    decode: (b) => {
      try {
        return utf8.decode(b);
      } catch {
        return undefined;
      }
    },
  },
  0x13: { name: 'PrintableString', decode: (b) => (/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(b.toString('latin1')) ? b.toString('latin1') : undefined) },
  0x16: { name: 'IA5String', decode: ascii },
  0x14: { name: 'TeletexString', decode: ascii },
  0x1e: { name: 'BMPString', decode: (b) => codeUnits(b, 2) },
  0x1c: { name: 'UniversalString', decode: (b) => codeUnits(b, 4) },
};

const TAG_NAMES: Record<number, string> = { 0x01: 'BOOLEAN', 0x02: 'INTEGER', 0x03: 'BIT STRING', 0x04: 'OCTET STRING', 0x05: 'NULL', 0x06: 'OBJECT IDENTIFIER', 0x12: 'NumericString', 0x1a: 'VisibleString', 0x30: 'SEQUENCE', 0x31: 'SET' };

/** One attribute value as text; SUBJECT_INVALID naming the field for anything we would not copy as it is. */
function attributeText(field: string, buf: Buffer, value: Tlv): string {
  const type = STRING_TYPES[value.tag];
  if (!type) {
    const what = TAG_NAMES[value.tag] ?? `of ASN.1 tag 0x${value.tag.toString(16)}`;
    throw subjectInvalid(field, `is encoded as ${what}; use UTF8String (or PrintableString)`);
  }
  const text = type.decode(content(buf, value));
  if (text === undefined) throw subjectInvalid(field, type.name === 'UTF8String' ? 'is not valid UTF-8' : `has bytes that are not valid in a ${type.name}; use UTF8String`);
  const problem = subjectTextProblem(text);
  if (problem) throw subjectInvalid(field, `has ${problem}`);
  return text;
}

/**
 * Attributes of a DER Name, in order, read strictly with our DER reader: a DerError for a broken
 * structure, SUBJECT_INVALID for a value that is no text we would copy (see attributeText).
 */
export function decodeName(nameDer: Buffer): NameAttribute[] {
  return decodeRdns(nameDer).flat();
}

/** The same, grouped by relative distinguished name (a multi-valued RDN is one group). */
export function decodeRdns(nameDer: Buffer): NameAttribute[][] {
  const out: NameAttribute[][] = [];
  for (const rdn of children(nameDer, expectTag(wholeTlv(nameDer, 'the Name'), 0x30, 'the Name'))) {
    const atvs = children(nameDer, expectTag(rdn, 0x31, 'a relative distinguished name'));
    if (!atvs.length) throw new DerError('a relative distinguished name is empty');
    const group: NameAttribute[] = [];
    for (const atv of atvs) {
      const [type, value, ...extra] = children(nameDer, expectTag(atv, 0x30, 'an attribute'));
      if (!value || extra.length) throw new DerError('an attribute is not a type and a value');
      const attrOid = decodeOid(content(nameDer, expectTag(type, 0x06, 'an attribute type')));
      const field = ATTRIBUTE_SHORT_NAMES[attrOid] ?? attrOid;
      group.push({ type: field, value: attributeText(field, nameDer, value) });
    }
    out.push(group);
  }
  return out;
}

export const nameToString = (nameDer: Buffer) =>
  decodeName(nameDer)
    .map((a) => `${a.type}=${a.value}`)
    .join(',');
