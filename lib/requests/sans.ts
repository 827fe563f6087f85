import { badRequest } from '../errors/index.js';
import { parseSans, type San } from '../x509/index.js';

export const sanToString = (s: San) => `${s.type === 'dns' ? 'DNS' : s.type === 'ip' ? 'IP' : 'email'}:${s.value}`;

/** The names a certificate will carry: those requested plus those in the CSR, validated, at least one. */
export function requestedSans(requested: string[], fromCsr: San[]): string[] {
  const sans = parseSans([...requested, ...fromCsr.map(sanToString)]).map(sanToString);
  if (sans.length === 0) {
    throw badRequest('SAN_REQUIRED', 'Give at least one subject alternative name, in "sans" or in the CSR (e.g. "DNS:app.example.org").', { field: 'sans' });
  }
  return sans;
}
