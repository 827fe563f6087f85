import { describe, expect, it } from 'vitest';
import { authConfigFromEnv } from '../../../lib/auth/index.js';
import { loadServiceCredentials } from '../../../lib/keystore/index.js';

describe('Keystone credentials from the environment', () => {
  const base = { OS_AUTH_URL: 'http://ks/v3' };

  it('reads the optional revocation reader, with the service project and Default domains by default', () => {
    expect(authConfigFromEnv(base).revocation).toBeUndefined();
    expect(authConfigFromEnv({ ...base, KEYSTONE_REVOCATION_USERNAME: 'revoker' }).revocation).toBeUndefined();
    const config = authConfigFromEnv({ ...base, KEYSTONE_REVOCATION_USERNAME: 'revoker', KEYSTONE_REVOCATION_PASSWORD: 'pw', KEYSTONE_REVOCATION_INTERVAL_SECONDS: '5' });
    expect(config.revocation).toEqual({
      credentials: { authUrl: 'http://ks/v3', username: 'revoker', password: 'pw', projectName: 'service', userDomainName: 'Default', projectDomainName: 'Default' },
      intervalSeconds: 5,
    });
  });

  it('reads the worker’s own service user the same way, and says what is missing', async () => {
    await expect(loadServiceCredentials(base)).rejects.toThrow(/OS_SERVICE_USERNAME\/OS_SERVICE_PASSWORD/);
    expect(await loadServiceCredentials({ ...base, OS_SERVICE_USERNAME: 'caworker', OS_SERVICE_PASSWORD: 'pw', OS_SERVICE_PROJECT_NAME: 'svc', OS_SERVICE_USER_DOMAIN_NAME: 'Users' })).toEqual({
      authUrl: 'http://ks/v3',
      username: 'caworker',
      password: 'pw',
      projectName: 'svc',
      userDomainName: 'Users',
      projectDomainName: 'Default',
    });
  });
});
