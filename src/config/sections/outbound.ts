/** Outbound HTTP calls to other services (src/outbound): timeouts, retries, one breaker per host. */
import { int, list, env, section } from '../fields.js';

export const outbound = section('Outbound HTTP calls', {
  OUTBOUND_TIMEOUT_MS: env(int(1, 600_000).prefault('10000'), {
    doc: 'Deadline for one attempt of an outbound call, response body included.',
  }),
  OUTBOUND_RETRIES: env(int(0, 10).prefault('2'), {
    doc: 'Retries after the first attempt, for idempotent methods and transient failures only.',
  }),
  OUTBOUND_RETRY_MAX_DELAY_MS: env(int(0, 600_000).prefault('5000'), {
    doc: 'Longest wait between attempts: caps the backoff, and a longer Retry-After is not waited for.',
  }),
  OUTBOUND_BREAKER_THRESHOLD: env(int(1, 1000).prefault('5'), {
    doc: "Consecutive failures (network error, timeout, 5xx) that open a host's circuit breaker.",
  }),
  OUTBOUND_BREAKER_RESET_MS: env(int(1, 3_600_000).prefault('30000'), {
    doc: 'How long an open breaker fails fast before it lets one trial call through (half-open).',
  }),
  HTTP_JOB_ALLOWED_HOSTS: env(list().optional(), {
    doc: 'Hosts the `http` job may call (comma list of host or host:port, `*` = any).',
    defaultText: 'unset: any host outside production, none in production (the job takes URLs from API clients: SSRF)',
  }),
  OUTBOUND_ALLOW_PRIVATE: env(list().optional(), {
    doc: 'Non-public addresses the `http` job may reach anyway: CIDRs (`10.0.0.0/8`, `fd12::/16`) or exact `host:port` entries (`billing.railway.internal:8080`). Everything else that resolves to loopback, private, link-local (cloud metadata), CGNAT, unique-local or reserved addresses is refused, whatever HTTP_JOB_ALLOWED_HOSTS says.',
    defaultText: 'unset (none)',
  }),
});
