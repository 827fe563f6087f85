import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES, driverFor, nativeDriver } from '../../../lib/drivers/index.js';

const pkcs11jsLoaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => /[\\/]pkcs11js[\\/]/.test(path));

describe('driver registry', () => {
  it('knows native, pkcs11 and cfssl', () => {
    expect([...DRIVER_NAMES].sort()).toEqual(['cfssl', 'native', 'pkcs11']);
  });

  it('gives the native driver without loading pkcs11js', async () => {
    expect(await driverFor('native')).toBe(nativeDriver);
    const { privateKey, publicKey } = await nativeDriver.createKey('EC-P256');
    expect(privateKey.type).toBe('private');
    expect(publicKey.type).toBe('public');
    expect(pkcs11jsLoaded()).toBe(false);
  });

  it('makes the pkcs11 driver from the environment, still without loading pkcs11js until it opens a token', async () => {
    process.env.PKCS11_TOKEN_LABEL = 'registry-test';
    process.env.PKCS11_PIN = '0000';
    try {
      const driver = await driverFor('pkcs11');
      expect(driver.capabilities).toMatchObject({ name: 'pkcs11', keyLocation: 'token', buildsOwnCertificate: false });
      expect(await driverFor('pkcs11')).toBe(driver);
      expect(pkcs11jsLoaded()).toBe(false);
    } finally {
      delete process.env.PKCS11_TOKEN_LABEL;
      delete process.env.PKCS11_PIN;
    }
    expect((await driverFor('cfssl')).capabilities).toMatchObject({ name: 'cfssl', keyLocation: 'memory', buildsOwnCertificate: true });
  });

  it('refuses unknown names', async () => {
    await expect(driverFor('hsm')).rejects.toThrow(/unknown SIGNING_DRIVER "hsm" \(known: native, pkcs11, cfssl\)/);
    await expect(driverFor('__proto__')).rejects.toThrow(/unknown SIGNING_DRIVER/);
  });
});
