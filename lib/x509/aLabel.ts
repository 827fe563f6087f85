import { domainToASCII } from 'node:url';

/**
 * Whether an "xn--" label is a valid A-label: its Punycode (RFC 3492) decodes, to a U-label with
 * at least one non-ASCII character (UTS #46), which IDNA encodes back to this very label.
 *
 * Not left to the WHATWG host parser alone: Node 20's (Ada 2) answered '' for an A-label whose
 * Punycode does not decode, Node 24's (Ada 4) hands ASCII labels back unchecked
 * (domainToASCII('xn--zz') is 'xn--zz'). It still checks the decoded U-label.
 */
export function isValidALabel(label: string): boolean {
  if (!label.startsWith('xn--')) return false;
  const uLabel = decodePunycode(label.slice(4));
  if (uLabel === undefined || /^[\x00-\x7f]*$/.test(uLabel)) return false;
  return domainToASCII(uLabel) === label;
}

const BASE = 36;
const T_MIN = 1;
const T_MAX = 26;
const SKEW = 38;
const DAMP = 700;
const MAX_INT = 0x7fffffff;

function digitOf(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 22; // 0-9 → 26-35
  if (code >= 0x41 && code <= 0x5a) return code - 0x41; // A-Z → 0-25
  if (code >= 0x61 && code <= 0x7a) return code - 0x61; // a-z → 0-25
  return -1;
}

function adapt(delta: number, points: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / points);
  let k = 0;
  while (delta > ((BASE - T_MIN) * T_MAX) >> 1) {
    delta = Math.floor(delta / (BASE - T_MIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - T_MIN + 1) * delta) / (delta + SKEW));
}

/** RFC 3492 decoding (section 6.2) of a label's part after "xn--"; undefined when it is not valid Punycode. */
export function decodePunycode(input: string): string | undefined {
  const out: number[] = [];
  const b = Math.max(input.lastIndexOf('-'), 0);
  for (let j = 0; j < b; j++) {
    const c = input.charCodeAt(j);
    if (c >= 0x80) return undefined;
    out.push(c);
  }
  let n = 128;
  let i = 0;
  let bias = 72;
  for (let pos = b > 0 ? b + 1 : 0; pos < input.length; ) {
    const oldi = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (pos >= input.length) return undefined;
      const digit = digitOf(input.charCodeAt(pos++));
      if (digit < 0 || digit > Math.floor((MAX_INT - i) / w)) return undefined;
      i += digit * w;
      const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias;
      if (digit < t) break;
      if (w > Math.floor(MAX_INT / (BASE - t))) return undefined;
      w *= BASE - t;
    }
    const points = out.length + 1;
    bias = adapt(i - oldi, points, oldi === 0);
    if (Math.floor(i / points) > MAX_INT - n) return undefined;
    n += Math.floor(i / points);
    i %= points;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
    out.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...out);
}
