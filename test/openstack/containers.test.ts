import { AUTH_URL, keystoneToken } from '../support/api.js';
import { containerScenarios } from '../support/containerScenarios.js';

/**
 * Tenant-supplied certificate containers (the Octavia certificate manager) against the real
 * Barbican, with two tenants: registration, validation, and the confused deputy.
 * test/integration/containers.test.ts runs the same scenarios against the development Barbican.
 */
containerScenarios({
  barbicanUrl: async () => process.env.BARBICAN_URL!,
  serviceUserId: async () => {
    const admin = await keystoneToken('admin', 'secret', 'admin');
    const users = await (await fetch(`${AUTH_URL}/users?name=caworker`, { headers: { 'X-Auth-Token': admin } })).json();
    return (users as any).users[0].id;
  },
});
