/**
 * Prometheus metrics (prom-client), served by GET /metrics (routes/ops/metrics.ts) and, with
 * METRICS_PORT, by a private listener that serves nothing else (metrics-listener.ts).
 *
 * FOR OTHER COMPONENTS – registering your own metrics:
 *   `app.metrics.registry` is this app's prom-client Registry and always exists (also with
 *   METRICS_ENABLED=false, when it is simply never served). Create metrics on it, e.g.
 *     new Counter({ name: 'railfast_widgets_total', help: '...', labelNames: ['kind'], registers: [app.metrics.registry] });
 *   Prometheus conventions (promtool check metrics enforces them): base units (seconds, bytes)
 *   named in the suffix, `_total` only on counters, cumulative counts as counters, levels as
 *   gauges computed at scrape time (`collect()`), bounded label values.
 *
 * What is exported (the full list, with types: README "Metrics, dashboards and alerts"):
 *   http_request_duration_seconds{method,route,status_code}  histogram; `route` is the route
 *       pattern (/api/v1/jobs/:id), never the raw URL; requests that matched no route are "unmatched".
 *   process_* / nodejs_*   prom-client defaults (CPU, memory, GC, event-loop lag, handles),
 *       collected once per process, without the three `nodejs_active_*_total` gauges promtool flags.
 *   railfast_build_info{version,commit,node_version}  1, the build this process runs.
 *   railfast_jobs_*, railfast_queue_*, railfast_db_*, railfast_outbound_*, railfast_cache_*,
 *       railfast_memory_*: observability/component-metrics.plugin.ts, registered after the components.
 *
 * Per request: one callback-style onResponse hook and one prom-client histogram observation.
 */
import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { buildInfo } from '../shared/build-info.js';
import { metricsListener, type MetricsListener } from './metrics-listener.js';

export interface Metrics {
  /** This app's registry: register your metrics here (see the header comment). */
  readonly registry: Registry;
  /** Process metrics followed by this app's metrics, in Prometheus text format. */
  text(): Promise<string>;
  /** Content-Type of text(). */
  readonly contentType: string;
  /** Where the private METRICS_PORT listener listens, once the app is ready; null without one. */
  privateAddress(): AddressInfo | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const UNMATCHED_ROUTE = 'unmatched';
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** prom-client defaults that are gauges named like counters (promtool: "non-counter metrics should not have _total suffix"). */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let processRegistry: Registry | undefined;
/** Default metrics describe the process: collect them once, however many apps it builds (tests). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // The per-type gauges (nodejs_active_handles{type}...) stay; their sums are one PromQL sum() away.
    for (const name of MISNAMED_DEFAULTS) processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

export default fp(
  async (app) => {
    const registry = new Registry();
    const processRegistry = processMetrics();
    let listener: MetricsListener | null = null;
    const metrics: Metrics = {
      registry,
      contentType: registry.contentType,
      async text() {
        const [proc, own] = await Promise.all([processRegistry.metrics(), registry.metrics()]);
        return `${proc}\n${own}`;
      },
      privateAddress: () => listener?.address() ?? null,
    };
    app.decorate('metrics', metrics);
    if (!app.config.METRICS_ENABLED) return;

    const { version, commit } = buildInfo();
    new Gauge({
      name: 'railfast_build_info',
      help: 'Always 1; the labels say which build this process runs',
      labelNames: ['version', 'commit', 'node_version'],
      registers: [registry],
    }).set({ version, commit: commit ?? 'unknown', node_version: process.version }, 1);

    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    // Callback style: an async hook would cost a promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe({ method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, status_code: reply.statusCode }, reply.elapsedTime / 1000);
      done();
    });

    const port = app.config.METRICS_PORT;
    if (port !== undefined) {
      // On ready (before the API port opens): a port that cannot be bound fails the boot, loudly.
      app.addHook('onReady', async () => {
        listener ??= await metricsListener({ port, host: app.config.HOST, token: app.config.METRICS_TOKEN, metrics, log: app.log });
      });
      app.addHook('onClose', async () => listener?.close());
    }
  },
  { name: 'metrics', dependencies: ['config', 'health'] },
);
