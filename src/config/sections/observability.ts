/**
 * Metrics (observability/metrics.plugin.ts) and API docs (openapi/).
 */
import { bool, int, minLength, env, section, url } from '../fields.js';

export const observability = section('Metrics and API docs', {
  METRICS_ENABLED: env(bool().prefault('true'), { doc: 'Prometheus metrics at GET /metrics (and the per-request histogram).' }),
  METRICS_TOKEN: env(minLength(16).optional(), {
    doc:
      'When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>` (on PORT and on METRICS_PORT); at least 16 characters. ' +
      'In production without it, /metrics is not served on the public port (only on METRICS_PORT, if set).',
    defaultText: 'unset (open outside production)',
    secret: true,
    essential: true,
  }),
  METRICS_PORT: env(int(0, 65535).optional(), {
    doc:
      "A second, private listener serving only GET /metrics (for Prometheus on Railway's private network); " +
      'bound to HOST like the API. 0 picks a free port.',
    defaultText: 'unset (no private listener)',
  }),
  DOCS_ENABLED: env(bool().prefault('true'), { doc: 'OpenAPI document at /docs/json and Swagger UI at /docs.' }),
  PUBLIC_URL: env(url(['http', 'https']).optional(), {
    doc: "The service's public base URL, listed as the OpenAPI document's server.",
    defaultText: 'https://$RAILWAY_PUBLIC_DOMAIN when Railway injects it, else unset',
  }),
});
