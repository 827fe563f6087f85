import { DEV_FIXTURES } from '../../dev/fixtures.js';
import { barbicanEndpoint } from '../support/api.js';
import { containerScenarios } from '../support/containerScenarios.js';

/**
 * Tenant-supplied certificate containers and the confused deputy, against the local stack's development
 * Barbican (found in the Keystone catalog, as the worker finds it): the scenarios test/openstack/containers.test.ts
 * runs against a real one.
 */
containerScenarios({
  barbicanUrl: (token) => barbicanEndpoint(token),
  serviceUserId: async () => DEV_FIXTURES.users.caworker.id,
});
