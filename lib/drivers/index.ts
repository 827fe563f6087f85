import { nativeDriver } from './native.js';
import type { Driver, SigningDriver } from './types.js';

export type { Driver, DriverCapabilities, IssueRequest, KeyHandle, MemoryKeyHandle, SigningDriver, TokenKeyHandle } from './types.js';
export { nativeDriver, type NativeDriver } from './native.js';

/*
 * Drivers by name (SIGNING_DRIVER). The pkcs11 and cfssl modules are imported on first use only:
 * the native driver never loads them, and pkcs11js (a native addon) is in turn loaded by the
 * pkcs11 driver only when it first opens its token.
 */
const FACTORIES: Record<string, () => Promise<Driver>> = {
  native: async () => nativeDriver,
  pkcs11: async () => (await import('./pkcs11.js')).createPkcs11Driver(),
  cfssl: async () => (await import('./cfssl.js')).createCfsslDriver(),
};

export const DRIVER_NAMES: readonly string[] = Object.freeze(Object.keys(FACTORIES));

const made = new Map<string, Promise<Driver>>();

const unknown = (name: string) => new Error(`unknown SIGNING_DRIVER "${name}" (known: ${DRIVER_NAMES.join(', ')})`);

/** The driver of that name, made once per process (a pkcs11 driver keeps one logged-in session). */
export function driverFor(name = process.env.SIGNING_DRIVER ?? 'native'): Promise<Driver> {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (!factory) return Promise.reject(unknown(name));
  let driver = made.get(name);
  if (!driver) {
    driver = factory();
    made.set(name, driver);
    driver.catch(() => made.delete(name));
  }
  return driver;
}

/**
 * The worker's current contract (`SigningDriver`: KeyObject keys, lib/x509 builds every certificate).
 * Only `native` fits it; `pkcs11` (keys in a token) and `cfssl` (builds leaves itself) are refused
 * here rather than half-used, until the worker takes a `Driver` from `driverFor`.
 */
export function driverByName(name = process.env.SIGNING_DRIVER ?? 'native'): SigningDriver {
  if (name === 'native') return nativeDriver;
  if (!Object.hasOwn(FACTORIES, name)) throw unknown(name);
  throw new Error(`SIGNING_DRIVER "${name}" needs the worker to use the Driver interface (driverFor): its keys or certificates are not the native driver's`);
}
