import { AppError } from '../errors/index.js';

/** A message the worker will not act on: forged, stale or inconsistent with the store. Never retried. */
export class JobRefusedError extends AppError {
  constructor(reason: string) {
    super('JOB_REFUSED', 422, reason);
  }
}

/** A record that says other than what the worker certified (a field the API may write was changed). */
export class RecordContradictsCertificateError extends AppError {
  constructor(reason: string) {
    super('STORE_RECORD_CONTRADICTS_CERTIFICATE', 500, reason);
  }
}

/** A job that cannot succeed however often it runs (bad CSR, CA gone): fail it with a readable reason. */
export const isPermanent = (e: unknown): e is AppError => e instanceof AppError && e.status < 500;
