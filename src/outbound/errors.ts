/**
 * What an outbound call throws when it gets no usable response. They are HttpErrors so a route that
 * lets one escape answers sensibly (502/503/504 in the usual envelope). Messages stay generic
 * because 5xx messages reach clients; the target host is a property (it appears in logs) rather
 * than part of the message, so internal hostnames never leak to the public.
 */
import { HttpError, ServiceUnavailableError } from '../http/errors.js';

/** The target's circuit breaker is open: we did not call it. */
export class CircuitOpenError extends ServiceUnavailableError {
  constructor(
    readonly host: string,
    retryAfterSeconds: number,
  ) {
    super('Upstream service unavailable, retry later', retryAfterSeconds, 'UPSTREAM_UNAVAILABLE');
    this.name = 'CircuitOpenError';
  }
}

/** No response within the per-attempt deadline (after any retries). */
export class UpstreamTimeoutError extends HttpError {
  constructor(
    readonly host: string,
    readonly timeoutMs: number,
  ) {
    super(504, 'Upstream service timed out', { code: 'UPSTREAM_TIMEOUT' });
    this.name = 'UpstreamTimeoutError';
  }
}

/** Connection refused or reset, DNS failure, TLS failure... (after any retries). */
export class UpstreamUnreachableError extends HttpError {
  constructor(
    readonly host: string,
    cause: unknown,
  ) {
    super(502, 'Upstream service unreachable', { code: 'UPSTREAM_UNREACHABLE', cause });
    this.name = 'UpstreamUnreachableError';
  }

  /** The low-level reason, e.g. "ECONNREFUSED", for logs and job errors. */
  get reason(): string {
    const cause = this.cause as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
    return cause?.cause?.code ?? cause?.code ?? cause?.cause?.message ?? cause?.message ?? 'unknown';
  }
}
