import { badRequest } from '../errors/index.js';

export type PemLabel = 'CERTIFICATE' | 'CERTIFICATE REQUEST' | 'PRIVATE KEY' | 'PUBLIC KEY' | 'X509 CRL';

export function toPem(der: Buffer, label: PemLabel): string {
  const b64 = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${b64.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The DER of THE PEM block, which must carry one of the labels (RFC 7468, lax whitespace). Text
 * around it (openssl's dump before the block) is ignored, a second block is not: where one object
 * is expected, a second would otherwise be dropped without a word, or used instead.
 */
export function pemToDer(pem: string, labels: string | string[], code = 'PEM_MALFORMED'): Buffer {
  const wanted = Array.isArray(labels) ? labels : [labels];
  const blocks = pem.match(/-----BEGIN /g)?.length ?? 0;
  if (blocks > 1) throw badRequest(code, `Expected one PEM "${wanted[0]}" block, but the text holds ${blocks} PEM blocks; send only that one.`, { blocks });
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || !wanted.includes(m[1])) throw badRequest(code, `Expected a PEM "${wanted[0]}" block.`);
  const body = m[2].replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) throw badRequest(code, `The PEM "${m[1]}" block is not valid base64.`);
  return Buffer.from(body, 'base64');
}
