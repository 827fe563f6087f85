/**
 * Just enough DER reading to slice the exact bytes of an element: what was signed must be
 * verified byte for byte, never re-encoded by a parser that might normalise it.
 */
export interface Tlv {
  tag: number;
  /** Offset of the tag byte in the buffer. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

export class DerError extends Error {}

export function readTlv(buf: Buffer, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used here');
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('indefinite or oversized length');
    if (pos + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    if (len < 0x80 || buf[pos] === 0) throw new DerError('non-minimal length');
    pos += n;
  }
  if (pos + len > limit) throw new DerError('element runs past its container');
  return { tag, start: offset, contentStart: pos, end: pos + len };
}

/** The children of a constructed element. */
export function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export const slice = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end);
export const content = (buf: Buffer, t: Tlv) => buf.subarray(t.contentStart, t.end);
