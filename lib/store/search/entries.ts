import { normaliseSerialHex } from '../../x509/index.js';
import type { CertificateRecord } from '../types.js';

/**
 * The lookup items of a certificate (see keys.ts): one per value a search can start from, each in
 * the certificate's own project partition, `sk = <kind>#<value>#<certificate id>`. They hold no
 * data: a search reads the certificate they name (in the same partition) and checks it.
 */
export type PointerKind = 'SAN' | 'SERIAL' | 'NOTAFTER' | 'PROFILE';
export const POINTER_KINDS: readonly PointerKind[] = ['SAN', 'SERIAL', 'NOTAFTER', 'PROFILE'];

/** `www.example.org` → `org.example.www`: names under one domain sort together, so a suffix is a prefix. */
export const reverseLabels = (name: string) => name.split('.').reverse().join('.');

/** A SAN as the index spells it: DNS names with their labels reversed, IPs and emails as stored. */
export function sanIndexValue(san: string): string {
  return san.startsWith('DNS:') ? `DNS:${reverseLabels(san.slice(4))}` : san;
}

/** The serial as searches compare it (normaliseSerialHex); undefined for a value that is not hex. */
export function comparableSerial(serial: string | undefined): string | undefined {
  if (serial === undefined) return undefined;
  try {
    return normaliseSerialHex(serial);
  } catch {
    return undefined;
  }
}

/** Records older than profiles were checked against `default`. */
export const profileOf = (c: Pick<CertificateRecord, 'profile'>) => c.profile ?? 'default';

/** The values a certificate is indexed under, by kind (what it has so far: serial and notAfter come with signing). */
export function indexValues(c: CertificateRecord): Record<PointerKind, string[]> {
  const serial = comparableSerial(c.serial);
  return {
    SAN: c.sans.map(sanIndexValue),
    SERIAL: serial ? [serial] : [],
    NOTAFTER: c.notAfter ? [new Date(c.notAfter).toISOString()] : [],
    PROFILE: [profileOf(c)],
  };
}

/** The sort key of one lookup item. Certificate ids are UUIDs, so the id is what follows the last `#`. */
export const pointerSortKey = (kind: PointerKind, value: string, certificateId: string) => `${kind}#${value}#${certificateId}`;
export const certificateIdOf = (sortKey: string) => sortKey.slice(sortKey.lastIndexOf('#') + 1);

/** The lookup items signing adds: names and profile were written with the request (certificates.create). */
export const SIGNED_POINTER_KINDS: readonly PointerKind[] = ['SERIAL', 'NOTAFTER'];

/** The lookup items' sort keys for a certificate, of every kind or only of `kinds`. */
export function pointerSortKeys(c: CertificateRecord, kinds: readonly PointerKind[] = POINTER_KINDS): string[] {
  const values = indexValues(c);
  return kinds.flatMap((kind) => values[kind].map((v) => pointerSortKey(kind, v, c.id)));
}
