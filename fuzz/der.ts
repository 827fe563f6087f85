/**
 * DER for the CSR fuzzer: to take openssl's requests apart and build ones no tool would make (huge
 * SAN lists, unknown OIDs, odd string types), signed with the real key so that the parser gets
 * past the signature to the part being fuzzed.
 */
import { children, readTlv } from '../lib/x509/index.js';
// The project's own DER writer (the x509 unit tests build odd structures with it too).
export { oid, sequence as seq, tlv } from '../lib/x509/derWriter.js';

/** The three parts of a CSR: CertificationRequestInfo, signature AlgorithmIdentifier, signature BIT STRING (raw element bytes). */
export function csrParts(der: Buffer): { info: Buffer; alg: Buffer; sig: Buffer; infoParts: Buffer[] } {
  const outer = readTlv(der, 0);
  const [info, alg, sig] = children(der, outer);
  const infoParts = children(der, info).map((t) => der.subarray(t.start, t.end));
  return { info: der.subarray(info.start, info.end), alg: der.subarray(alg.start, alg.end), sig: der.subarray(sig.start, sig.end), infoParts };
}

/** Every element header in `der` (offsets of the tag byte), for length and tag edits. */
export function headers(der: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number) => {
    for (let pos = start; pos < end; ) {
      const t = readTlv(der, pos, end);
      out.push(t.start);
      if (t.tag & 0x20) walk(t.contentStart, t.end);
      pos = t.end;
    }
  };
  walk(0, der.length);
  return out;
}
