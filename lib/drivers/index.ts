import { nativeDriver } from './native.js';
import type { Driver } from './types.js';

export type { Driver, DriverCapabilities, IssueRequest, KeyHandle, MemoryKeyHandle, TokenKeyHandle } from './types.js';
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
