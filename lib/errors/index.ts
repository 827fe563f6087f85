/**
 * One error family for the whole service. Callers branch on `code`, never on the message;
 * `status` is the HTTP status the API answers with (mapped in one place: lib/http/errors.ts).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (503). */
  readonly retryAfter?: number;

  constructor(code: string, status: number, message: string, opts: { details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = opts.details;
    this.retryAfter = opts.retryAfter;
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) => new AppError(code, 400, message, { details });
export const unauthorized = (code: string, message: string) => new AppError(code, 401, message);
export const forbidden = (code: string, message: string) => new AppError(code, 403, message);
export const notFound = (code: string, message: string) => new AppError(code, 404, message);
export const conflict = (code: string, message: string) => new AppError(code, 409, message);
export const unavailable = (code: string, message: string, retryAfter = 5, cause?: unknown) => new AppError(code, 503, message, { retryAfter, cause });

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
