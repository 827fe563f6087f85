import type { AcmeHandler } from '../../lib/acme/index.js';

/** GET directory (RFC 8555 7.1.1), with RFC 9773's renewalInfo and the profiles draft's meta.profiles. */
export const directory: AcmeHandler = async ({ ca, urls }) => {
  const profiles: Record<string, string> = { default: 'the CA\'s default profile' };
  for (const [name, p] of Object.entries(ca.profiles ?? {})) profiles[name] = `profile "${name}": ${p.key_types.join('/')} keys, ${p.allowed_domains.length ? `names under ${p.allowed_domains.slice(0, 5).join(', ')}` : 'no DNS names'}`;
  return {
    status: 200,
    body: {
      newNonce: urls.newNonce,
      newAccount: urls.newAccount,
      newOrder: urls.newOrder,
      revokeCert: urls.revokeCert,
      keyChange: urls.keyChange,
      renewalInfo: urls.renewalInfo,
      meta: { externalAccountRequired: ca.acme?.eabRequired !== false, profiles },
    },
  };
};

/** HEAD (200) and GET (204) new-nonce: the nonce is in Replay-Nonce, as on every answer. */
export const newNonce: AcmeHandler = async ({ event }) => ({ status: event.requestContext?.http?.method === 'HEAD' ? 200 : 204 });
