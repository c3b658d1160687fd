/**
 * Errors that carry an HTTP meaning. Anything thrown that is not an HttpError (and has no
 * 4xx statusCode from Fastify itself) becomes a 500 whose message never leaves the process.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly details?: unknown;
  /** Seconds for the Retry-After header (429/503). */
  readonly retryAfter?: number;
  /** Machine-readable reason, e.g. QUEUE_FULL. */
  readonly code?: string;

  constructor(statusCode: number, message: string, opts: { details?: unknown; retryAfter?: number; code?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.details = opts.details;
    this.retryAfter = opts.retryAfter;
    this.code = opts.code;
  }
}

/** 503 with Retry-After: the honest answer when we cannot keep a promise right now. */
export class ServiceUnavailableError extends HttpError {
  constructor(message: string, retryAfter = 5, code = 'SERVICE_UNAVAILABLE', cause?: unknown) {
    super(503, message, { retryAfter, code, cause });
    this.name = 'ServiceUnavailableError';
  }
}
