import { createHash } from 'node:crypto';

/**
 * Structured JSON logs, one line per event. Keys that could hold a secret are redacted whatever
 * the caller passes, so a careless `log.info('x', { token })` cannot leak a token or a key.
 */
const SECRET_KEY = /token|password|passphrase|secret(?!_ref)|private|^key$|authorization|credential/i;

type Fields = Record<string, unknown>;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(value as Fields)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** A short, non-reversible handle for a token, for correlating log lines. */
export const tokenFingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

function write(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Fields = {}) {
  if (level === 'debug' && process.env.LOG_LEVEL !== 'debug') return;
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...(redact(fields) as Fields) });
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
}

export const log = {
  debug: (msg: string, fields?: Fields) => write('debug', msg, fields),
  info: (msg: string, fields?: Fields) => write('info', msg, fields),
  warn: (msg: string, fields?: Fields) => write('warn', msg, fields),
  error: (msg: string, fields?: Fields) => write('error', msg, fields),
};

export const errorFields = (e: unknown): Fields =>
  e instanceof Error ? { error: e.name, errorCode: (e as { code?: unknown }).code, errorMessage: e.message } : { error: String(e) };
