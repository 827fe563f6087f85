/** Where each ACME resource of a CA's directory lives (the JWS `url` of every request is one of these). */
export function acmeUrls(baseUrl: string, projectId: string, caId: string) {
  const base = `${baseUrl}/v1/public/${projectId}/cas/${caId}/acme`;
  return {
    base,
    directory: `${base}/directory`,
    newNonce: `${base}/new-nonce`,
    newAccount: `${base}/new-account`,
    newOrder: `${base}/new-order`,
    revokeCert: `${base}/revoke-cert`,
    keyChange: `${base}/key-change`,
    renewalInfo: `${base}/renewal-info`,
    account: (id: string) => `${base}/acct/${id}`,
    accountOrders: (id: string) => `${base}/acct/${id}/orders`,
    order: (id: string) => `${base}/order/${id}`,
    finalize: (id: string) => `${base}/order/${id}/finalize`,
    authz: (id: string) => `${base}/authz/${id}`,
    challenge: (authzId: string, type: string) => `${base}/chall/${authzId}/${type}`,
    certificate: (id: string) => `${base}/cert/${id}`,
  };
}

export type AcmeUrls = ReturnType<typeof acmeUrls>;
