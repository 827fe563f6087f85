/** `npm start`: the whole local stack on embedded defaults, until Ctrl-C. */
import { openstackFromEnv, startStack } from './stack.js';

// Exported OS_AUTH_URL and the worker's OS_SERVICE_* user: a real Keystone and Barbican, not the development ones.
const openstack = openstackFromEnv(process.env);
const stack = await startStack({ watch: true, apiPort: Number(process.env.API_PORT ?? 3000), openstack });
const devIdentity = !openstack;

let tokenLine = 'export OS_TOKEN=<a project-scoped token from your Keystone>';
if (devIdentity) {
  const res = await fetch(`${stack.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'secret' } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    }),
  });
  tokenLine = `export OS_TOKEN=${res.headers.get('x-subject-token')}   # admin of project "admin", valid 1 h (development Keystone)`;
}

console.log(`
OpenStack CA service is up (stage "local").

  API        ${stack.apiUrl}
  Keystone   ${stack.authUrl}${devIdentity ? '   (development server: users admin/secret, alice/apass, bob/bpass2, carol/cpass3)' : ''}

Try it:

  ${tokenLine}
  curl -s ${stack.apiUrl}/v1/cas -H "X-Auth-Token: $OS_TOKEN" -H 'Content-Type: application/json' \\
       -d '{"subject":{"CN":"Demo Root CA","O":"Demo"},"key_type":"EC-P256"}'
  curl -s ${stack.apiUrl}/v1/cas -H "X-Auth-Token: $OS_TOKEN"

Ctrl-C stops everything.
`);

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
