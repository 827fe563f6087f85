/** Public, unauthenticated URLs of a CA's CRL and OCSP responder: written into what it issues. */
export function revocationUrls(publicUrl: string, projectId: string, caId: string): { crlUrl: string; ocspUrl: string } {
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/public/${projectId}/cas/${caId}`;
  return { crlUrl: `${base}/crl`, ocspUrl: `${base}/ocsp` };
}
