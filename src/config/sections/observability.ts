/**
 * Metrics (observability/metrics.plugin.ts) and API docs (openapi/).
 */
import { bool, minLength, env, section } from '../fields.js';

export const observability = section('Metrics and API docs', {
  METRICS_ENABLED: env(bool().prefault('true'), { doc: 'Prometheus metrics at GET /metrics (and the per-request histogram).' }),
  METRICS_TOKEN: env(minLength(16).optional(), {
    doc: 'When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; at least 16 characters.',
    defaultText: 'unset (open)',
    secret: true,
    essential: true,
  }),
  DOCS_ENABLED: env(bool().prefault('true'), { doc: 'OpenAPI document at /docs/json and Swagger UI at /docs.' }),
});
