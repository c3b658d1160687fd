/** Outbound HTTP calls to other services (src/outbound): timeouts, retries, one breaker per host. */
import { int, list } from '../fields.js';

export const outbound = {
  /** Deadline for one attempt of an outbound call, response body included. Default 10000. */
  OUTBOUND_TIMEOUT_MS: int(1, 600_000).prefault('10000'),
  /** Retries after the first attempt, for idempotent methods and transient failures only. Default 2. */
  OUTBOUND_RETRIES: int(0, 10).prefault('2'),
  /** Longest wait between attempts: caps the backoff, and a longer Retry-After is not waited for. Default 5000. */
  OUTBOUND_RETRY_MAX_DELAY_MS: int(0, 600_000).prefault('5000'),
  /** Consecutive failures (network error, timeout, 5xx) that open a host's circuit breaker. Default 5. */
  OUTBOUND_BREAKER_THRESHOLD: int(1, 1000).prefault('5'),
  /** How long an open breaker fails fast before it lets one trial call through (half-open). Default 30000. */
  OUTBOUND_BREAKER_RESET_MS: int(1, 3_600_000).prefault('30000'),
  /**
   * Hosts the `http` job may call (comma list of host or host:port, `*` = any). Default unset:
   * any host outside production, none in production (the job takes URLs from API clients: SSRF).
   */
  HTTP_JOB_ALLOWED_HOSTS: list().optional(),
};
