/**
 * Memory guard: RSS above MAX_RSS_MB for longer than MEMORY_GUARD_GRACE_MS → flip readiness,
 * drain gracefully and exit 1 (`app.lifecycle.requestShutdown`, see src/drain.ts) so the
 * platform restarts the instance: the in-container equivalent of PM2's max_memory_restart.
 * A leak then costs one orderly restart instead of an OOM kill mid-request.
 * MAX_RSS_MB=0 switches it off.
 *
 * Hooks for alerting: `app.memoryGuard` is an EventEmitter (memory-guard.ts) emitting
 *   'high'      RSS reached 90% of MAX_RSS_MB  → the "memory over 90% of the limit" alert
 *   'over'      RSS went above the limit (grace period starts)
 *   'limit'     the guard is about to request the shutdown
 *   'recovered' RSS fell back below the limit within the grace period
 * each with { rssMb, limitMb, ratio, overForMs }. Example:
 *   app.memoryGuard?.on('high', (m) => alerts.raise(...))
 * `app.memoryGuard` is null when the guard is off. The drain itself is announced by
 * `app.lifecycle.on('drain', reason)` (reason "memory limit").
 */
import fp from 'fastify-plugin';
import { MemoryGuard } from './memory-guard.js';

declare module 'fastify' {
  interface FastifyInstance {
    memoryGuard: MemoryGuard | null;
  }
}

export default fp(
  async (app) => {
    const { MAX_RSS_MB: limitMb, MEMORY_GUARD_GRACE_MS: graceMs } = app.config;
    if (limitMb <= 0) {
      app.decorate('memoryGuard', null);
      return;
    }
    const guard = new MemoryGuard({ limitMb, graceMs });
    app.decorate('memoryGuard', guard);
    const log = app.log.child({ component: 'memory-guard' });

    guard.on('high', (m) => log.warn(m, `memory high: RSS ${m.rssMb} MB is ${Math.round(m.ratio * 100)}% of MAX_RSS_MB (${m.limitMb} MB)`));
    guard.on('over', (m) =>
      log.warn(m, `memory over the limit: RSS ${m.rssMb} MB > MAX_RSS_MB (${m.limitMb} MB); restarting if it stays there for ${graceMs} ms`),
    );
    guard.on('recovered', (m) => log.info(m, `memory back under the limit: RSS ${m.rssMb} MB`));
    guard.on('limit', (m) => {
      log.error(
        m,
        `memory limit: RSS ${m.rssMb} MB above MAX_RSS_MB (${m.limitMb} MB) for ${m.overForMs} ms; draining and exiting 1 so the platform restarts the instance`,
      );
      app.lifecycle.requestShutdown('memory limit', 1);
    });

    app.health.addStats('memoryGuard', () => guard.stats());
    // Started once the app is ready, not during boot: the entry point installs the drain (the
    // listener for requestShutdown) between building the app and listening, and a limit reached
    // before that would only flip readiness and leave the process running.
    app.addHook('onReady', (done) => {
      guard.start();
      done();
    });
    app.lifecycle.onShutdown('memory-guard', () => guard.stop());
  },
  { name: 'memory-guard', dependencies: ['config', 'lifecycle', 'health'] },
);
