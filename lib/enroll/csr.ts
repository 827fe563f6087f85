import { createHash } from 'node:crypto';
import { pemToDer } from '../x509/index.js';

/** What an approver signs and compares: base64url SHA-256 of the CSR's DER (not of its PEM text). */
export const csrSha256 = (csrPem: string) => createHash('sha256').update(pemToDer(csrPem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'CSR_MALFORMED')).digest('base64url');
