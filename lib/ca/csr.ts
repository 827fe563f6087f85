import type { Driver, KeyHandle } from '../drivers/index.js';
import { assembleCsr, buildCsrInfo, signatureAlgorithmFor, toPem } from '../x509/index.js';

/**
 * A PKCS#10 request signed by one of our keys: an external intermediate's CSR (for the tenant's
 * external CA) and the CSR of a server-side key. The same driver signs it as signs certificates.
 */
export async function signCsr(subjectDer: Buffer, key: KeyHandle, driver: Pick<Driver, 'sign'>, extensions?: { basicConstraintsCa?: boolean; pathLen?: number }): Promise<string> {
  const algorithm = signatureAlgorithmFor(key.keyType);
  const info = buildCsrInfo({ subjectDer, spkiDer: key.publicKey.export({ type: 'spki', format: 'der' }), ...(extensions ? { extensions } : {}) });
  return toPem(assembleCsr(info, algorithm, await driver.sign(info, algorithm, key)), 'CERTIFICATE REQUEST');
}
