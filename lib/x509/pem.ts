import { badRequest } from '../errors/index.js';

export type PemLabel = 'CERTIFICATE' | 'CERTIFICATE REQUEST' | 'PRIVATE KEY' | 'PUBLIC KEY' | 'X509 CRL';

export function toPem(der: Buffer, label: PemLabel): string {
  const b64 = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${b64.join('\n')}\n-----END ${label}-----\n`;
}

/** One PEM block of a text, as found; what is wrong with it is for the caller to judge. */
export interface PemBlock {
  /** The label of its BEGIN line. */
  label: string;
  /** The body's base64 is a whole number of 4-character groups (pemToDer does not insist, the chain readers do). */
  padded?: boolean;
  /** The decoded body; undefined when it is empty or has characters outside base64. */
  der?: Buffer;
  /** Its END line names another label, or something else sits inside its body. */
  mismatched?: boolean;
  /** No END line before the next BEGIN (or the end of the text). */
  unterminated?: boolean;
}

const BEGIN = /-----BEGIN (?:([^\r\n]*?)-----)?/g;
const END = /-----END ([^\r\n]*?)-----/g;


/**
 * THE PEM scanner (RFC 7468, lax): every block of a text in order, any line breaks and whitespace
 * inside a body, any text between blocks. A block whose END line is missing (the next BEGIN comes
 * first) is reported as unterminated and scanning resumes at that next BEGIN.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let pos = 0;
  for (;;) {
    BEGIN.lastIndex = pos;
    const begin = BEGIN.exec(text);
    if (!begin) return out;
    const label = begin[1] ?? '';
    const bodyStart = begin.index + begin[0].length;
    BEGIN.lastIndex = bodyStart;
    const next = BEGIN.exec(text);
    END.lastIndex = bodyStart;
    const end = begin[1] === undefined ? null : END.exec(text);
    if (!end || (next && next.index < end.index)) {
      out.push({ label, unterminated: true });
      if (!next) return out;
      pos = next.index;
      continue;
    }
    const body = text.slice(bodyStart, end.index);
    const base64 = body.replace(/\s+/g, '');
    const block: PemBlock = { label, padded: base64.length % 4 === 0, der: base64 && /^[A-Za-z0-9+/]*={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : undefined };
    if (end[1] !== label || body.includes('-----')) block.mismatched = true;
    out.push(block);
    pos = end.index + end[0].length;
  }
}

/**
 * The DER of THE PEM block, which must carry one of the labels (RFC 7468, lax whitespace). Text
 * around it (openssl's dump before the block) is ignored, a second block is not: where one object
 * is expected, a second would otherwise be dropped without a word, or used instead.
 */
export function pemToDer(pem: string, labels: string | string[], code = 'PEM_MALFORMED'): Buffer {
  const wanted = Array.isArray(labels) ? labels : [labels];
  const blocks = pemBlocks(pem);
  if (blocks.length > 1) throw badRequest(code, `Expected one PEM "${wanted[0]}" block, but the text holds ${blocks.length} PEM blocks; send only that one.`, { blocks: blocks.length });
  const [b] = blocks;
  if (!b || b.unterminated || b.mismatched || !wanted.includes(b.label)) throw badRequest(code, `Expected a PEM "${wanted[0]}" block.`);
  if (!b.der) throw badRequest(code, `The PEM "${b.label}" block is not valid base64.`);
  return b.der;
}
