/**
 * Public, unauthenticated URLs of a CA's CRL and OCSP responder: written into what it issues.
 * `crlName` (crlNameOf) names a key generation's own CRL; one OCSP URL serves every generation
 * (a request's CertID names the key).
 */
export function revocationUrls(publicUrl: string, projectId: string, caId: string, crlName?: string): { crlUrl: string; ocspUrl: string } {
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/public/${projectId}/cas/${caId}`;
  return { crlUrl: `${base}/crl${crlName ? `/${crlName}` : ''}`, ocspUrl: `${base}/ocsp` };
}
