import { publicRoute } from '../../lib/http/index.js';

/** GET / — the OpenStack-style version document, so clients and the catalog can discover v1. */
export const handler = publicRoute(async ({ baseUrl }) => ({
  status: 300,
  body: {
    versions: {
      values: [
        {
          id: 'v1',
          status: 'CURRENT',
          updated: '2026-11-23T00:00:00Z',
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.ca-v1+json' }],
          links: [{ rel: 'self', href: `${baseUrl}/v1/` }],
        },
      ],
    },
  },
}));
