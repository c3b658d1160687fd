/**
 * Prometheus metrics (prom-client), served by GET /metrics (routes/ops/metrics.ts).
 *
 * FOR OTHER COMPONENTS – registering your own metrics:
 *   `app.metrics.registry` is this app's prom-client Registry and always exists (also with
 *   METRICS_ENABLED=false, when it is simply never served). Create metrics on it, e.g.
 *     new Gauge({ name: 'circuit_breaker_state', help: '0 closed, 1 half-open, 2 open',
 *                 labelNames: ['target'], registers: [app.metrics.registry],
 *                 collect() { for (const b of breakers) this.set({ target: b.host }, code(b.state)); } });
 *     const alerts = new Counter({ name: 'alerts_total', help: '...', labelNames: ['type', 'severity'],
 *                                  registers: [app.metrics.registry] });
 *   Prefer a Gauge with collect() (computed at scrape time) over updating on the hot path.
 *   Anything a component reports through `app.health.addStats(name, fn)` is also exported
 *   automatically (see componentGauges below), so queue/pool/breaker stats need no extra code.
 *
 * What is exported:
 *   http_request_duration_seconds{method,route,status_code}  histogram; `route` is the route
 *       pattern (/api/v1/jobs/:id), never the raw URL, so cardinality stays bounded; requests
 *       that matched no route are "unmatched".
 *   process_* / nodejs_*   prom-client default metrics (CPU, memory, GC, event-loop lag, handles),
 *       collected once per process (they describe the process, not one app instance).
 *   component_stat{component,stat}          every numeric/boolean leaf of app.health.stats(),
 *       e.g. component="queue",stat="waiting" or component="database",stat="pool.idle".
 *   component_state{component,field,state} 1 for every enum-like string leaf named
 *       status/state/backend/mode, e.g. component="redis",field="status",state="up".
 *
 * Per request: one callback-style onResponse hook and one prom-client histogram observation.
 */
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

export interface Metrics {
  /** This app's registry: register your metrics here (see the header comment). */
  readonly registry: Registry;
  /** Process metrics followed by this app's metrics, in Prometheus text format. */
  text(): Promise<string>;
  /** Content-Type of text(). */
  readonly contentType: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const UNMATCHED_ROUTE = 'unmatched';
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Cap on component series per scrape, in case a stats provider returns something huge. */
const MAX_COMPONENT_SERIES = 500;
const STATE_FIELD = /(^|\.)(status|state|backend|mode)$/i;
const ENUM_VALUE = /^[A-Za-z0-9_.:-]{1,40}$/;

let processRegistry: Registry | undefined;
/** Default metrics describe the process: collect them once, however many apps it builds (tests). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Leaf = { path: string; value: number } | { path: string; state: string };

/** Numeric/boolean leaves and enum-like string leaves of one component's stats, depth ≤ 4. */
export function flattenStats(value: unknown, path = '', depth = 0, out: Leaf[] = []): Leaf[] {
  if (out.length >= MAX_COMPONENT_SERIES) return out;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && path) out.push({ path, value });
  } else if (typeof value === 'boolean') {
    if (path) out.push({ path, value: value ? 1 : 0 });
  } else if (typeof value === 'string') {
    if (STATE_FIELD.test(path) && ENUM_VALUE.test(value)) out.push({ path, state: value });
  } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    for (const [k, v] of Object.entries(value)) flattenStats(v, path ? `${path}.${k}` : k, depth + 1, out);
  }
  return out;
}

function componentGauges(app: FastifyInstance, registry: Registry): void {
  const stats = () => app.health.stats();
  new Gauge({
    name: 'component_stat',
    help: 'Numeric stats reported by components through app.health.addStats (queue depth, pool, breakers...)',
    labelNames: ['component', 'stat'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [component, s] of Object.entries(stats())) {
        for (const leaf of flattenStats(s)) if ('value' in leaf) this.set({ component, stat: leaf.path }, leaf.value);
      }
    },
  });
  new Gauge({
    name: 'component_state',
    help: 'Current state of each component (1 for the current value of status/state/backend/mode fields)',
    labelNames: ['component', 'field', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [component, s] of Object.entries(stats())) {
        for (const leaf of flattenStats(s)) if ('state' in leaf) this.set({ component, field: leaf.path, state: leaf.state }, 1);
      }
    },
  });
}

export default fp(
  async (app) => {
    const registry = new Registry();
    const processRegistry = processMetrics();
    const metrics: Metrics = {
      registry,
      contentType: registry.contentType,
      async text() {
        const [proc, own] = await Promise.all([processRegistry.metrics(), registry.metrics()]);
        return `${proc}\n${own}`;
      },
    };
    app.decorate('metrics', metrics);
    if (!app.config.METRICS_ENABLED) return;

    componentGauges(app, registry);
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
  },
  { name: 'metrics', dependencies: ['config', 'health'] },
);
