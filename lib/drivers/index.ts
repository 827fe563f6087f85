import { nativeDriver } from './native.js';
import type { SigningDriver } from './types.js';

export type { SigningDriver } from './types.js';
export { nativeDriver } from './native.js';

const DRIVERS: Record<string, SigningDriver> = { native: nativeDriver };

export function driverByName(name = process.env.SIGNING_DRIVER ?? 'native'): SigningDriver {
  const driver = DRIVERS[name];
  if (!driver) throw new Error(`unknown SIGNING_DRIVER "${name}" (known: ${Object.keys(DRIVERS).join(', ')})`);
  return driver;
}
