import forge from 'node-forge';
import { badRequest } from '../errors/index.js';
import { oid, printableString, sequence, set, utf8String } from './derWriter.js';
import { ATTRIBUTE_SHORT_NAMES, OID } from './oids.js';

export interface SubjectInput {
  CN: string;
  O?: string;
  OU?: string;
  C?: string;
  ST?: string;
  L?: string;
}

const ORDER: Array<[keyof SubjectInput, string]> = [
  ['C', OID.countryName],
  ['ST', OID.stateOrProvinceName],
  ['L', OID.localityName],
  ['O', OID.organizationName],
  ['OU', OID.organizationalUnitName],
  ['CN', OID.commonName],
];

/** An X.501 Name, one attribute per RDN, most significant first; C as PrintableString (RFC 5280). */
export function encodeName(subject: Partial<SubjectInput>): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, attrOid] of ORDER) {
    const value = subject[field];
    if (value === undefined) continue;
    if (field === 'C' && !/^[A-Z]{2}$/.test(value)) throw badRequest('SUBJECT_INVALID', 'C must be a two-letter country code.');
    rdns.push(set(sequence(oid(attrOid), field === 'C' ? printableString(value) : utf8String(value))));
  }
  return sequence(...rdns);
}

export interface NameAttribute {
  type: string;
  value: string;
}

/** Attributes of a DER Name, in order. */
export function decodeName(nameDer: Buffer): NameAttribute[] {
  const root = forge.asn1.fromDer(nameDer.toString('binary'), true);
  const out: NameAttribute[] = [];
  for (const rdn of root.value as forge.asn1.Asn1[]) {
    for (const atv of rdn.value as forge.asn1.Asn1[]) {
      const [type, value] = atv.value as forge.asn1.Asn1[];
      const attrOid = forge.asn1.derToOid(type.value as string);
      const raw = Buffer.from(value.value as string, 'binary');
      // BMPString is UTF-16BE; everything else we accept is ASCII or UTF-8.
      const text = value.type === forge.asn1.Type.BMPSTRING ? raw.swap16().toString('utf16le') : raw.toString('utf8');
      out.push({ type: ATTRIBUTE_SHORT_NAMES[attrOid] ?? attrOid, value: text });
    }
  }
  return out;
}

export const nameToString = (nameDer: Buffer) =>
  decodeName(nameDer)
    .map((a) => `${a.type}=${a.value}`)
    .join(',');
