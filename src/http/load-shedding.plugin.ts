/**
 * Load shedding with @fastify/under-pressure: while the event loop is lagging or saturated, or
 * the heap / resident set is over its threshold (all from config, sampled every
 * SHED_SAMPLE_INTERVAL_MS), API routes answer 503 with Retry-After in our error envelope instead
 * of queueing more work, and the ops endpoints (ops-routes.ts) keep answering so /live does
 * not get the instance restarted and /metrics shows why.
 *
 * Deliberately NO `healthCheck`: under-pressure would then 503 every route whenever a dependency
 * is down, turning a database outage into a total outage. Dependency health lives in our health
 * registry (/ready, /health), and each route degrades on its own (503 only where it needs the
 * database).
 *
 * Per request this costs one callback-style onRequest hook comparing a few numbers; the handler
 * below runs only while under pressure.
 *
 * Registered after our app plugins (app.ts), not with the other external plugins: its sampler
 * starts at registration, so the heavy synchronous boot work before it (database, migrations)
 * is not measured as event-loop delay and shed the first requests; and its hook then runs after
 * the request-id hook, so a shed reply still carries X-Request-Id.
 */
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { envelope, sendError } from './error-envelope.js';
import { isOpsRoute } from './ops-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route @fastify/under-pressure handler (read by the plugin on every request). */
    pressureHandler?: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => void;
  }
}

const MB = 1024 * 1024;
/** Route-level handler for the ops endpoints: returning nothing lets the request through. */
const letThrough = (): void => undefined;
/** At most one "shedding load" warning per this interval, not one per rejected request. */
const LOG_EVERY_MS = 10_000;

export default fp(
  async (app: FastifyInstance) => {
    const c = app.config;
    if (!c.LOAD_SHEDDING_ENABLED) return;
    let lastLog = 0;
    let shed = 0;

    // Ops endpoints answer under pressure. Marked per route, at registration, rather than tested
    // per request: under-pressure reads the route's own pressureHandler first.
    app.addHook('onRoute', (route) => {
      if (isOpsRoute(route.url) && !route.config?.pressureHandler) route.config = { ...route.config, pressureHandler: letThrough };
    });

    const options: FastifyUnderPressureOptions = {
      sampleInterval: c.SHED_SAMPLE_INTERVAL_MS,
      maxEventLoopDelay: c.SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: c.SHED_MAX_EVENT_LOOP_UTILIZATION,
      // Utilisation over the last sample, not since boot: a cumulative figure hides a saturated
      // loop after a long quiet period and keeps shedding long after a busy one.
      eventLoopUtilizationMode: 'interval',
      maxHeapUsedBytes: c.SHED_MAX_HEAP_MB * MB,
      maxRssBytes: c.SHED_MAX_RSS_MB * MB,
      retryAfter: c.SHED_RETRY_AFTER_S,
      // Called only while under pressure, for every route but the ops endpoints.
      pressureHandler: (request, reply, type, value) => {
        shed++;
        const now = Date.now();
        if (now - lastLog >= LOG_EVERY_MS) {
          lastLog = now;
          request.log.warn({ pressure: type, value, shedSinceLastLog: shed }, `shedding load: ${type} over its threshold`);
          shed = 0;
        }
        // Sent here rather than thrown: the error handler would log every shed request at error
        // level, the most expensive thing to do while overloaded. Fastify skips the rest of the
        // lifecycle once the reply is sent.
        void sendError(reply, envelope(request, 503, 'The server is overloaded, retry later', { code: 'OVERLOADED', details: { pressure: type } }), c.SHED_RETRY_AFTER_S);
        return undefined;
      },
    };
    await app.register(underPressure, options);
  },
  { name: 'load-shedding', dependencies: ['config'] },
);
