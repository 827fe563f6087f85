import type { ValidationSettings } from './types.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  // A misconfigured port is the operator's mistake: fail at start-up, not at every validation.
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new Error(`${name} must be a TCP port (1-65535), not "${raw}"`);
  return n;
}

/**
 * The validator's knobs from its environment: ACME_DNS_RESOLVER, ACME_HTTP01_PORT (80),
 * ACME_TLSALPN01_PORT (443), ACME_ALLOW_LOOPBACK ("1"/"true"), ACME_VALIDATION_TIMEOUT_MS (10000).
 * Invalid values throw: they are configuration errors.
 */
export function validationSettingsFromEnv(env: NodeJS.ProcessEnv): ValidationSettings {
  const resolver = env.ACME_DNS_RESOLVER?.trim() || undefined;
  const loopback = env.ACME_ALLOW_LOOPBACK?.trim().toLowerCase();
  const rawTimeout = env.ACME_VALIDATION_TIMEOUT_MS?.trim();
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (rawTimeout) {
    timeoutMs = Number(rawTimeout);
    if (!/^\d+$/.test(rawTimeout) || timeoutMs < 1 || timeoutMs > 120_000) {
      throw new Error(`ACME_VALIDATION_TIMEOUT_MS must be a whole number of milliseconds (1-120000), not "${rawTimeout}"`);
    }
  }
  return {
    ...(resolver ? { resolver } : {}),
    http01Port: port(env, 'ACME_HTTP01_PORT', 80),
    tlsAlpn01Port: port(env, 'ACME_TLSALPN01_PORT', 443),
    allowLoopback: loopback === '1' || loopback === 'true',
    timeoutMs,
  };
}
